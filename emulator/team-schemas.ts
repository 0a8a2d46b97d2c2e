/**
 * zod schemas of the team, key, subaccount, cluster and overlay request bodies, written from
 * vast-api-more.md §4–§5 (not shared with providers/, like schemas.ts). Loose objects: the CLI
 * sends `client_id` and other keys the emulator does not model.
 */
import { z } from "zod";

const numeric = z.union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)]);

/** The permissions categories of vast-api-more.md §4.3. */
export const PERMISSION_CATEGORIES = [
  "misc",
  "user_read",
  "user_write",
  "instance_read",
  "instance_write",
  "billing_read",
  "billing_write",
  "machine_read",
  "machine_write",
  "team_read",
  "team_write",
] as const;

/** A permissions document: stored verbatim; only its outer shape is checked (`{"api": {<category>: {...}}}` or `{}`). */
export const Permissions = z.union([
  z.strictObject({}),
  z.looseObject({ api: z.partialRecord(z.enum(PERMISSION_CATEGORIES), z.record(z.string(), z.unknown())) }),
]);

/** `POST /api/v0/team/` (§4.2). */
export const CreateTeamBody = z.looseObject({ team_name: z.string().min(1).max(64), transfer_credit: numeric.nullish() });

/** `POST /api/v0/team/roles/` and `PUT /api/v0/team/roles/{id}/` (§4.3). */
export const RoleBody = z.looseObject({ name: z.string().min(1).max(64).nullish(), permissions: z.unknown().optional() });

/** `POST /api/v0/team/invite/` when the docs' JSON body is used instead of the CLI's query (§4.4). */
export const InviteBody = z.looseObject({ email: z.string().nullish(), role: z.string().nullish() });

/** `POST /api/v0/auth/apikeys/` (§4.6). */
export const CreateApiKeyBody = z.looseObject({
  name: z.string().max(64).nullish(),
  permissions: z.unknown().optional(),
  key_params: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
});

/** `POST /api/v0/users/` (§4.5). */
export const CreateSubaccountBody = z.looseObject({
  email: z.string(),
  username: z.string(),
  password: z.string(),
  host_only: z.boolean().nullish(),
  parent_id: z.union([z.literal("me"), numeric]).nullish(),
  ssh_key: z.string().max(4096).nullish(),
});

/** `POST /api/v0/cluster/` (§5.1). */
export const CreateClusterBody = z.looseObject({ subnet: z.string(), manager_id: numeric });
/** `PUT /api/v0/cluster/` (§5.1). */
export const JoinClusterBody = z.looseObject({ cluster_id: numeric, machine_ids: z.array(numeric).min(1) });
/** `DELETE /api/v0/cluster/remove_machine/` (§5.1). */
export const RemoveMachineBody = z.looseObject({ cluster_id: numeric, machine_id: numeric, new_manager_id: numeric.nullish() });
/** `DELETE /api/v0/cluster/` (§5.1). */
export const DeleteClusterBody = z.looseObject({ cluster_id: numeric });
/** `POST /api/v0/overlay/` (§5.2). */
export const CreateOverlayBody = z.looseObject({ cluster_id: numeric, name: z.string().min(1) });
/** `PUT /api/v0/overlay/` (§5.2). */
export const JoinOverlayBody = z.looseObject({ name: z.string(), instance_id: numeric });
/** `DELETE /api/v0/overlay/`: by id or by name (§5.2). */
export const DeleteOverlayBody = z.looseObject({ overlay_id: numeric.nullish(), overlay_name: z.string().nullish() });
