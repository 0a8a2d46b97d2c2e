/**
 * What a `VastSubaccount` does (vast-api-more.md §4.5): create a child account of the calling
 * account. Vast has no edit and no delete for subaccounts, so every change makes another one and a
 * destroy only drops the resource from the stack (and says so). The password is sent once and is
 * never read back.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, clientFor, replaceWhenChanged } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { isAmbiguous, VastError, VastErrorCode } from "./errors.ts";
import { createSubaccount, listSubaccounts } from "./team-api.ts";

export const SubaccountInputs = z.strictObject({
  /** Login email: at most 64 characters, not a Vast address (§4.5). */
  email: z
    .email("must be an email address")
    .max(64, "must be at most 64 characters")
    .refine((e) => !/@vast/i.test(e), "Vast refuses its own addresses (@vast…)"),
  /** Login name, 1 to 64 characters. */
  username: z.string().min(1).max(64, "must be at most 64 characters"),
  /** Login password, at most 256 characters; write-only. */
  password: z.string().min(1).max(256, "must be at most 256 characters"),
  /** A host-only account (`--type host`) rather than a client one. */
  hostOnly: z.boolean().default(false),
  /** The parent account, by its key; defaults to the stack's key. */
  accountKey: AccountKey,
});
export type SubaccountInputs = z.infer<typeof SubaccountInputs>;
export interface SubaccountOutputs extends SubaccountInputs {
  subaccountId: number;
  /** The id of the subaccount's own API key (its secret is not sent). */
  keyId: number | null;
}

const inputKeys = ["email", "username", "password", "hostOnly", "accountKey"] as const;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(SubaccountInputs, news);
}

export async function diff(_id: string, olds: SubaccountOutputs, news: SubaccountInputs): Promise<pulumi.dynamic.DiffResult> {
  return replaceWhenChanged(inputKeys, olds, news, false);
}

/**
 * One create. When the answer is lost, a subaccount with this email in the parent's list is this
 * one: emails are unique across Vast, so only a second writer using the same email for the same
 * parent at the same moment could have made it, and then it is the same account anyway.
 */
export async function create(settings: ProviderSettings, inputs: SubaccountInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  try {
    const created = await createSubaccount(client, {
      email: inputs.email,
      username: inputs.username,
      password: inputs.password,
      host_only: inputs.hostOnly,
    });
    return { id: String(created.id), outs: { ...inputs, subaccountId: created.id, keyId: created.keyId } };
  } catch (error) {
    if (error instanceof VastError && error.status === 409)
      throw new VastError(
        VastErrorCode.http,
        `email/username: a Vast user with email ${inputs.email} or username ${inputs.username} already exists`,
        {
          cause: error,
        },
      );
    if (!isAmbiguous(error)) throw error;
    const found = (await listSubaccounts(client).catch(() => [])).find((s) => s.email === inputs.email);
    if (!found) throw error;
    return { id: String(found.id), outs: { ...inputs, subaccountId: found.id, keyId: found.key_id ?? null } };
  }
}

export async function read(settings: ProviderSettings, id: string, props: SubaccountOutputs): Promise<pulumi.dynamic.ReadResult> {
  const found = (await listSubaccounts(clientFor(settings, props.accountKey))).find((s) => s.id === Number(id));
  if (!found) return { id: "" };
  return {
    id,
    props: { ...props, email: found.email ?? props.email, username: found.username ?? props.username, keyId: found.key_id ?? props.keyId },
  };
}

/** Vast cannot delete a subaccount: the resource lets go of it and says so. */
export async function remove(_settings: ProviderSettings, id: string, props: SubaccountOutputs): Promise<void> {
  console.error(`vast subaccount ${id} (${props.email}): kept on Vast, which has no call to delete a subaccount; it leaves the stack only`);
}

export const subaccountKind = vastKind<SubaccountInputs, SubaccountOutputs>({ check, diff, create, read, remove });
