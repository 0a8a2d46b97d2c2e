/**
 * zod schemas of the team, role, member, API-key, subaccount, cluster and overlay answers
 * (vast-api-more.md §4–§5). Loose objects: Vast adds fields freely, and only these are read.
 */
import { z } from "zod";

const timestamp = z.union([z.number(), z.string()]).nullish();

/** `{"msg": ...}`, the answer of the creates that return no id (§5) and of several deletes. */
export const MessageAnswer = z.looseObject({ msg: z.string().optional(), message: z.string().optional() });
/** A bare JSON string (role update, API-key delete) or any object. */
export const AnyAnswer = z.unknown();

/** One item of `GET /team/roles-full/` (a bare array) or `GET /team/roles/{name}/`. */
export const TeamRole = z.looseObject({ id: z.number().int(), name: z.string(), permissions: z.unknown().optional() });
export type TeamRole = z.infer<typeof TeamRole>;
/** `GET /team/roles-full/`: a bare array. */
export const TeamRoleList = z.array(TeamRole);

/** One item of `GET /team/members/`; `roles` (docs) or `role` ([T]) — both accepted (§10). */
export const TeamMember = z
  .looseObject({
    id: z.number().int(),
    email: z.string().nullish(),
    username: z.string().nullish(),
    roles: z.array(z.string()).nullish(),
    role: z.string().nullish(),
  })
  .transform((m) => ({ id: m.id, email: m.email ?? null, username: m.username ?? null, roles: m.roles ?? (m.role ? [m.role] : []) }));
export type TeamMember = z.infer<typeof TeamMember>;
/** `GET /team/members/`: a bare array. */
export const TeamMemberList = z.array(TeamMember);

/** An API key as listed or read (no secret). */
export const ApiKeyInfo = z.looseObject({
  id: z.number().int(),
  name: z.string().nullish(),
  user_id: z.number().int().nullish(),
  team_id: z.number().int().nullish(),
  team_name: z.string().nullish(),
  permissions: z.unknown().optional(),
  created_at: timestamp,
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;
/** `GET /auth/apikeys/`: `{"apikeys": [...]}` (no underscore). */
export const ApiKeyList = z.looseObject({ apikeys: z.array(ApiKeyInfo) });
/** The create answer: the only time the secret is sent. */
export const ApiKeyCreated = z.looseObject({ id: z.number().int(), key: z.string().min(1), created_at: timestamp });

/** `POST /users/` answer. */
export const SubaccountCreated = z.looseObject({
  id: z.number().int(),
  username: z.string().nullish(),
  email: z.string().nullish(),
  key_id: z.number().int().nullish(),
});
/** One row of `GET /subaccounts`. */
export const Subaccount = z.looseObject({
  id: z.number().int(),
  parent_id: z.number().int().nullish(),
  key_id: z.number().int().nullish(),
  username: z.string().nullish(),
  email: z.string().nullish(),
  host_only: z.boolean().nullish(),
});
export type Subaccount = z.infer<typeof Subaccount>;
/** `GET /subaccounts`: `{"users": [...]}`. */
export const SubaccountList = z.looseObject({ users: z.array(Subaccount) });

/** `GET /clusters/`: a map keyed by the cluster id as a string (§5.1). */
export const ClusterMap = z.looseObject({
  clusters: z.record(
    z.string().regex(/^\d+$/),
    z.looseObject({
      subnet: z.string(),
      nodes: z.array(
        z.looseObject({ machine_id: z.number().int(), is_cluster_manager: z.boolean().nullish(), local_ip: z.string().nullish() }),
      ),
    }),
  ),
});
/** A cluster as the client hands it out. */
export interface Cluster {
  id: number;
  subnet: string;
  managerId: number | null;
  machineIds: number[];
}

/** One item of `GET /overlay/` (a bare array, §5.2). */
export const Overlay = z.looseObject({
  overlay_id: z.number().int(),
  name: z.string(),
  internal_subnet: z.string().nullish(),
  cluster_id: z.number().int(),
  instances: z.array(z.number().int()).nullish(),
});
export type Overlay = z.infer<typeof Overlay>;
/** `GET /overlay/`: a bare array. */
export const OverlayList = z.array(Overlay);
