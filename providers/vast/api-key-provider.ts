/**
 * What a `VastApiKey` does (vast-api-more.md §4.6): create a key with a permissions document and
 * delete it. Keys are immutable, so every change makes a new key (before the old one is deleted, so
 * whatever uses the key keeps working through the update). The secret is sent once, in the create
 * answer, and leaves this module only as an output the resource marks secret.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, clientFor, replaceWhenChanged } from "./account-inputs.ts";
import { resolveConfig, vastKind, type ProviderSettings } from "./config.ts";
import { isAmbiguous, VastError, VastErrorCode } from "./errors.ts";
import { VastPermissions } from "./permissions.ts";
import { createApiKey, deleteApiKey, listApiKeys } from "./team-api.ts";
import type { ApiKeyInfo } from "./team-schemas.ts";
import type { VastClient } from "./client.ts";

export const ApiKeyInputs = z.strictObject({
  /** The key's name, as `vastai show api-keys` lists it. */
  name: z.string().regex(/^[\w .-]{1,64}$/, "must be 1 to 64 letters, digits, spaces, '_', '-' or '.'"),
  /** What the key may do. `{ api: {} }` grants nothing; list categories to grant them. */
  permissions: VastPermissions,
  /** Vast's optional `key_params` string (advanced wildcard keys). */
  keyParams: z.string().min(1).optional(),
  /** The account the key is made in, by its key (a team's key makes team keys); defaults to the stack's key. */
  accountKey: AccountKey,
});
export type ApiKeyInputs = z.infer<typeof ApiKeyInputs>;
export interface ApiKeyOutputs extends ApiKeyInputs {
  apiKeyId: number;
  /** The secret; a Pulumi secret output. */
  key: string;
  /** The team the key acts on, if any, as of the last create or refresh. */
  teamName: string | null;
}

const inputKeys = ["name", "permissions", "keyParams", "accountKey"] as const;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(ApiKeyInputs, news);
}

export async function diff(_id: string, olds: ApiKeyOutputs, news: ApiKeyInputs): Promise<pulumi.dynamic.DiffResult> {
  return replaceWhenChanged(inputKeys, olds, news, false);
}

/**
 * One create. A lost answer may have made a key whose secret is now lost with it. The key ids of
 * that name listed before and after tell whether one was made; it is named in the error, not
 * deleted, because another writer of the same account could have made a key of the same name in
 * the same moment, and only a person can tell the two apart.
 */
export async function create(settings: ProviderSettings, inputs: ApiKeyInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  const named = async () => (await listApiKeys(client)).filter((k) => k.name === inputs.name).map((k) => k.id);
  const before = new Set(await named());
  try {
    const created = await createApiKey(client, {
      name: inputs.name,
      permissions: inputs.permissions,
      ...(inputs.keyParams ? { key_params: inputs.keyParams } : {}),
    });
    const row = (await listApiKeys(client).catch(() => [])).find((k) => k.id === created.id);
    return { id: String(created.id), outs: outputs(inputs, created.id, created.key, row) };
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const fresh = (await named().catch(() => [])).filter((id) => !before.has(id));
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `creating API key "${inputs.name}" got no answer${fresh.length ? `, and key(s) ${fresh.join(", ")} of that name appeared; their secret was lost with the answer: delete them (\`vastai delete api-key ID\`)` : " and no key of that name appeared"}, then run \`pulumi up\` again`,
      { cause: error },
    );
  }
}

function outputs(inputs: ApiKeyInputs, id: number, key: string, row: ApiKeyInfo | undefined): ApiKeyOutputs {
  return { ...inputs, apiKeyId: id, key, teamName: row?.team_name ?? null };
}

/**
 * Looks for the key among the account's keys, then, if it is not there, asks with the key itself:
 * a key that made a team acts on the team from then on, and only the team lists it (§4.1).
 */
export async function read(settings: ProviderSettings, id: string, props: ApiKeyOutputs): Promise<pulumi.dynamic.ReadResult> {
  const find = async (key: string | undefined) => (await keysOrNone(clientFor(settings, key))).find((k) => k.id === Number(id));
  const row = (await find(props.accountKey)) ?? (await find(props.key));
  return row ? { id, props: outputs(props, row.id, props.key, row) } : { id: "" };
}

/** The keys a client's key sees; none when that key no longer authenticates (deleted, or its team destroyed). */
async function keysOrNone(client: VastClient): Promise<ApiKeyInfo[]> {
  try {
    return await listApiKeys(client);
  } catch (error) {
    if (error instanceof VastError && error.status === 401) return [];
    throw error;
  }
}

/**
 * Deletes the key. A key that created a team acts on the team, and only the team may delete it
 * (403 from the account that made it): then it deletes itself.
 */
export async function remove(settings: ProviderSettings, id: string, props: ApiKeyOutputs): Promise<void> {
  if (props.key === resolveConfig(props.accountKey ? { ...settings, apiKey: props.accountKey } : settings).apiKey)
    throw new VastError(
      VastErrorCode.invalidInput,
      `API key ${id} is the key this delete would authenticate with; Vast would lock the stack out`,
    );
  try {
    await deleteApiKey(clientFor(settings, props.accountKey), Number(id));
  } catch (error) {
    if (!(error instanceof VastError && (error.status === 403 || error.status === 401))) throw error;
    // A key that no longer authenticates is already deleted.
    await deleteApiKey(clientFor(settings, props.key), Number(id)).catch((again: unknown) => {
      if (!(again instanceof VastError && again.status === 401)) throw again;
    });
  }
}

export const apiKeyKind = vastKind<ApiKeyInputs, ApiKeyOutputs>({ check, diff, create, read, remove });
