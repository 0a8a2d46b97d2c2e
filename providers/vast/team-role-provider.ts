/**
 * What a `VastTeamRole` does (vast-api-more.md §4.3). A role has two handles: read and delete take
 * its name, update takes its numeric id. The id is the resource id; the name is looked up by id
 * before every delete, so a role renamed behind Pulumi's back is still the one deleted.
 *
 * The create answers `{"msg": "success"}` without an id, so the new role is found in the list by
 * name. Names are unique within a team and the create succeeded, so the role of that name is this
 * one, unless another writer of the same team deleted it and made another of the same name between
 * the two calls; that window is one round trip.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, changedKeys, clientFor, createThenFind } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { VastPermissions } from "./permissions.ts";
import { createTeamRole, deleteTeamRole, listTeamRoles, updateTeamRole } from "./team-api.ts";
import type { VastClient } from "./client.ts";

export const TeamRoleInputs = z.strictObject({
  /** The role's name, unique in the team; `owner` is Vast's own. */
  name: z
    .string()
    .regex(/^[\w-]{1,64}$/, "must be 1 to 64 letters, digits, '_' or '-' (it travels in the URL path)")
    .refine((n) => n !== "owner", "owner is the built-in role of the team's owner"),
  /** What members holding the role may do. */
  permissions: VastPermissions,
  /** The team's key (`VastTeam.accountKey`); defaults to the stack's key. */
  accountKey: AccountKey,
});
export type TeamRoleInputs = z.infer<typeof TeamRoleInputs>;
export interface TeamRoleOutputs extends TeamRoleInputs {
  /** Vast's numeric role id. */
  roleId: number;
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(TeamRoleInputs, news);
}

export async function diff(_id: string, olds: TeamRoleOutputs, news: TeamRoleInputs): Promise<pulumi.dynamic.DiffResult> {
  return {
    changes: changedKeys(["name", "permissions", "accountKey"], olds, news).length > 0,
    replaces: changedKeys(["accountKey"], olds, news),
    deleteBeforeReplace: false,
  };
}

async function rolesOf(client: VastClient) {
  const roles = await listTeamRoles(client);
  if (roles === undefined)
    throw new VastError(
      VastErrorCode.notFound,
      "accountKey: this key acts on no team (Vast: User is not a team account); pass the team's key, VastTeam.accountKey",
    );
  return roles;
}

export async function create(settings: ProviderSettings, inputs: TeamRoleInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  const role = await createThenFind(
    () => createTeamRole(client, inputs.name, inputs.permissions),
    async () => (await rolesOf(client)).find((r) => r.name === inputs.name),
  );
  if (!role)
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `team role "${inputs.name}" is not in the team's role list after its create; run \`pulumi up\` again`,
    );
  return { id: String(role.id), outs: { ...inputs, roleId: role.id } };
}

export async function update(
  settings: ProviderSettings,
  id: string,
  _olds: TeamRoleOutputs,
  news: TeamRoleInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  await updateTeamRole(clientFor(settings, news.accountKey), Number(id), { name: news.name, permissions: news.permissions });
  return { outs: { ...news, roleId: Number(id) } };
}

export async function read(settings: ProviderSettings, id: string, props: TeamRoleOutputs): Promise<pulumi.dynamic.ReadResult> {
  const roles = await listTeamRoles(clientFor(settings, props.accountKey));
  const role = roles?.find((r) => r.id === Number(id));
  if (!role) return { id: "" };
  // What Vast holds now, so the next `up` puts back a name or permissions changed behind Pulumi's back.
  const permissions = VastPermissions.safeParse(role.permissions);
  return { id, props: { ...props, name: role.name, permissions: permissions.success ? permissions.data : role.permissions } };
}

export async function remove(settings: ProviderSettings, id: string, props: TeamRoleOutputs): Promise<void> {
  const client = clientFor(settings, props.accountKey);
  const role = (await listTeamRoles(client))?.find((r) => r.id === Number(id));
  // Gone already, or the whole team is.
  if (role) await deleteTeamRole(client, role.name);
}

export const teamRoleKind = vastKind<TeamRoleInputs, TeamRoleOutputs>({ check, diff, create, update, read, remove });
