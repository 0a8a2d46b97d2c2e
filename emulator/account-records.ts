/**
 * Typed records of accounts, API keys, teams and overlays, and how rows become records
 * (vast-api-more.md §4, §5). Kept apart from db.ts so that file holds only SQL and its statements.
 */
import type { Row } from "./records.ts";

/** A user, a subaccount (a user with a parent) or a team account (vast-api-more.md §4.1). */
export interface AccountRecord {
  id: number;
  kind: "user" | "team";
  /** The user name, or the team name of a team account. */
  username: string;
  email: string | null;
  /** The parent of a subaccount. */
  parentId: number | null;
  /** The owner of a team account. */
  ownerId: number | null;
  /** The account's own key: a subaccount's first key, or the key that created a team (it reverts when the team goes). */
  keyId: number | null;
  hostOnly: boolean;
  createdAt: number;
}

/** An API key; the secret itself is never stored, only its SHA-256. */
export interface ApiKeyRecord {
  id: number;
  /** The account the key acts on. */
  accountId: number;
  /** The person who holds it (differs from `accountId` for a team key). */
  userId: number;
  name: string | null;
  permissions: Record<string, unknown>;
  keyParams: string | null;
  createdAt: number;
}

/** A team role; `permissions` as stored, verbatim. */
export interface RoleRecord {
  id: number;
  teamId: number;
  name: string;
  permissions: Record<string, unknown>;
}

/** A team member: an account and the role it holds. */
export interface MemberRecord {
  userId: number;
  username: string;
  email: string | null;
  role: string;
}

/** A cluster of catalogue machines, with its manager. */
export interface ClusterRecord {
  id: number;
  accountId: number;
  subnet: string;
  managerId: number;
  machines: Array<{ machineId: number; localIp: string }>;
}

/** An overlay network on a cluster, with its instances. */
export interface OverlayRecord {
  id: number;
  accountId: number;
  clusterId: number;
  name: string;
  instanceIds: number[];
}

/** An `accounts` row as a record. */
export function toAccount(row: Row): AccountRecord {
  return {
    id: Number(row["id"]),
    kind: row["kind"] === "team" ? "team" : "user",
    username: String(row["username"]),
    email: (row["email"] as string | null) ?? null,
    parentId: row["parent_id"] === null ? null : Number(row["parent_id"]),
    ownerId: row["owner_id"] === null ? null : Number(row["owner_id"]),
    keyId: row["key_id"] === null ? null : Number(row["key_id"]),
    hostOnly: Number(row["host_only"]) === 1,
    createdAt: Number(row["created_at"]),
  };
}

/** An `api_keys` row as a record. */
export function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: Number(row["id"]),
    accountId: Number(row["account_id"]),
    userId: Number(row["user_id"]),
    name: (row["name"] as string | null) ?? null,
    permissions: JSON.parse(String(row["permissions"])) as Record<string, unknown>,
    keyParams: (row["key_params"] as string | null) ?? null,
    createdAt: Number(row["created_at"]),
  };
}

/** A `team_roles` row as a record. */
export function toRole(row: Row): RoleRecord {
  return {
    id: Number(row["id"]),
    teamId: Number(row["team_id"]),
    name: String(row["name"]),
    permissions: JSON.parse(String(row["permissions"])) as Record<string, unknown>,
  };
}

/** A `team_members` row joined with its account, as a record. */
export function toMember(row: Row): MemberRecord {
  return {
    userId: Number(row["user_id"]),
    username: String(row["username"]),
    email: (row["email"] as string | null) ?? null,
    role: String(row["role"]),
  };
}
