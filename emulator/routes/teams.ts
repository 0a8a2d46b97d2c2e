/**
 * Teams, roles and members, `/api/v0/team/…` (vast-api-more.md §4.1–§4.4). Every call acts on the
 * account of the key presented: creating a team binds that key to the new team account, so the
 * same key then manages roles and members ("the key that created the team becomes the team key",
 * §4.1); destroying the team hands it back to the owner.
 */
import { randomBytes } from "node:crypto";
import { type Handler, type RequestContext, json } from "../context.ts";
import type { AccountRecord, EmulatorDb } from "../db.ts";
import { ApiError, apiError } from "../errors.ts";
import { keyHash } from "../key-hash.ts";
import { parseBody } from "../schemas.ts";
import { CreateTeamBody, InviteBody, PERMISSION_CATEGORIES, Permissions, RoleBody } from "../team-schemas.ts";

/** A second invitation to the same address within this many seconds is refused (§4.4, the documented example). */
const INVITE_COOLDOWN_S = 300;

const all = Object.fromEntries(PERMISSION_CATEGORIES.map((c) => [c, {}]));
/** The roles every team starts with (§4.2); their documented permissions are not published, these are a plausible reading. */
const DEFAULT_ROLES = [
  { name: "owner", permissions: { api: all } },
  {
    name: "manager",
    permissions: { api: Object.fromEntries(PERMISSION_CATEGORIES.filter((c) => c !== "billing_write").map((c) => [c, {}])) },
  },
  { name: "member", permissions: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } } },
];

/** The account the caller's key acts on. */
export function callerAccount(ctx: RequestContext): AccountRecord {
  const account = ctx.caller && ctx.state.db.getAccount(ctx.caller.accountId);
  if (!account) throw apiError(401, "auth_error", "Invalid user key");
  return account;
}

/** The team the caller's key acts on; 404 when it acts on a personal account (§4.2 destroy). */
function callerTeam(ctx: RequestContext): AccountRecord {
  const account = callerAccount(ctx);
  if (account.kind !== "team") throw apiError(404, "not_found", "User is not a team account");
  return account;
}

function permissionsOf(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null)
    throw new ApiError(400, { success: false, error: "missing_permissions", msg: "Missing permissions parameter" });
  const parsed = Permissions.safeParse(raw);
  if (!parsed.success)
    throw apiError(400, "invalid_permissions", 'Permissions must be {"api": {<category>: {...}}} with known categories.');
  return parsed.data as Record<string, unknown>;
}

/** `POST /api/v0/team/` `{"team_name", "transfer_credit"}` → `{"success": true, "msg": "Team Successfully Created!"}`. */
export const createTeam: Handler = (ctx) => {
  const { team_name } = parseBody(CreateTeamBody, ctx.body);
  const account = callerAccount(ctx);
  if (account.kind === "team") throw apiError(400, "invalid_request", "You cannot create a team from within another team account");
  if (ctx.state.db.findAccount({ username: team_name, kind: "team" })) throw apiError(400, "invalid_request", "Team name already exists");
  ctx.state.db.createTeam(team_name, ctx.caller!, DEFAULT_ROLES, ctx.now / 1000);
  return json({ success: true, msg: "Team Successfully Created!" });
};

/** `DELETE /api/v0/team/` → `{"success": true, "msg": "Team Successfully Deleted!", "pkey_id"}`; only the owner may. */
export const destroyTeam: Handler = (ctx) => {
  const team = callerTeam(ctx);
  if (ctx.caller!.userId !== team.ownerId) throw apiError(403, "not_allowed", "Only the Team's Owner may delete the team");
  ctx.state.db.deleteTeam(team, ctx.now / 1000);
  return json({ success: true, msg: "Team Successfully Deleted!", pkey_id: team.keyId });
};

/** `POST /api/v0/team/roles/` `{"name", "permissions"}` → `{"msg": "success"}`. */
export const createRole: Handler = (ctx) => {
  const team = callerTeam(ctx);
  const { name, permissions } = parseBody(RoleBody, ctx.body);
  if (!name) throw apiError(400, "invalid_request", "Role name is required");
  const parsed = permissionsOf(permissions);
  if (ctx.state.db.findRole(team.id, { name })) throw apiError(400, "invalid_request", `Role ${name} already exists`);
  ctx.state.db.insertRole(team.id, name, parsed);
  return json({ msg: "success" });
};

/** `GET /api/v0/team/roles-full/` → a bare array of every role but `owner`. */
export const listRolesFull: Handler = (ctx) => {
  const team = callerTeam(ctx);
  const roles = ctx.state.db.listRoles(team.id).filter((r) => r.name !== "owner");
  return json(roles.map((r) => ({ id: r.id, name: r.name, identifier: r.name, permissions: r.permissions })));
};

function roleNamed(ctx: RequestContext, team: AccountRecord) {
  const role = ctx.state.db.findRole(team.id, { name: ctx.params["name"] ?? "" });
  if (!role) throw apiError(404, "not_found", "Specified role not found");
  return role;
}

/** `GET /api/v0/team/roles/{name}/` → `{"id", "name", "permissions"}`. */
export const showRole: Handler = (ctx) => {
  const role = roleNamed(ctx, callerTeam(ctx));
  return json({ id: role.id, name: role.name, permissions: role.permissions });
};

/** `PUT /api/v0/team/roles/{id}/` `{"name"?, "permissions"?}` → a bare JSON string. */
export const updateRole: Handler = (ctx) => {
  const team = callerTeam(ctx);
  const role = ctx.state.db.findRole(team.id, { id: Number(ctx.params["id"]) });
  if (!role) throw apiError(404, "not_found", "Specified role not found");
  const { name, permissions } = parseBody(RoleBody, ctx.body);
  if (role.name === "owner") throw apiError(403, "forbidden", "You cannot edit the owner role.");
  const newName = name ?? role.name;
  if (newName !== role.name && ctx.state.db.findRole(team.id, { name: newName }))
    throw apiError(400, "invalid_request", `Role ${newName} already exists`);
  ctx.state.db.updateRole(role, newName, permissions === undefined ? role.permissions : permissionsOf(permissions));
  return json(`Successfully Updated Team Role For ${newName}`);
};

/** `DELETE /api/v0/team/roles/{name}/` → `{"status": "success", "message": "Role removed from team"}`. */
export const removeRole: Handler = (ctx) => {
  const team = callerTeam(ctx);
  if (!ctx.params["name"]) throw new ApiError(400, { msg: "Role name is required" });
  if (ctx.params["name"] === "owner") throw apiError(403, "forbidden", "You cannot delete the owner role.");
  const role = roleNamed(ctx, team);
  ctx.state.db.deleteRole(role.id);
  return json({ status: "success", message: "Role removed from team" });
};

/** `POST /api/v0/team/invite/?email=&role=` (the docs' JSON body also accepted) → `{"success": true, "msg"}`; pending until accepted. */
export const inviteMember: Handler = (ctx) => {
  const team = callerTeam(ctx);
  const body = parseBody(InviteBody, ctx.body);
  const email = ctx.query.get("email") ?? body.email ?? "";
  const role = ctx.query.get("role") ?? body.role ?? "";
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw apiError(400, "invalid_email", "A valid email is required");
  if (!ctx.state.db.findRole(team.id, { name: role })) throw apiError(400, "invalid_request", `Role ${role} does not exist`);
  const owner = team.ownerId === null ? undefined : ctx.state.db.getAccount(team.ownerId);
  if (owner?.email === email) throw new ApiError(400, { success: false, msg: `${email} cannot be invited to their own team.` });
  if (ctx.state.db.listMembers(team.id).some((m) => m.email === email))
    throw new ApiError(400, { success: false, msg: "User is already a member of this team." });
  const sentAt = ctx.state.db.inviteSentAt(team.id, email);
  const ago = sentAt === undefined ? Infinity : Math.floor(ctx.now / 1000 - sentAt);
  if (ago < INVITE_COOLDOWN_S)
    throw new ApiError(429, { success: false, msg: `An invitation was already sent to ${email} only ${ago} seconds ago.` });
  ctx.state.db.putInvite(team.id, email, role, ctx.now / 1000);
  return json({ success: true, msg: `New invitation sent to ${email}` });
};

/** `GET /api/v0/team/members/` → a bare array; pending invitations do not show (§4.4). */
export const listMembers: Handler = (ctx) => {
  const team = callerTeam(ctx);
  return json(
    ctx.state.db
      .listMembers(team.id)
      .map((m) => ({ id: m.userId, username: m.username, email: m.email, fullname: m.username, roles: [m.role] })),
  );
};

/** `DELETE /api/v0/team/members/{id}/` → `{"status": "success", "message"}`; the owner stays. */
export const removeMember: Handler = (ctx) => {
  const team = callerTeam(ctx);
  const userId = Number(ctx.params["id"]);
  if (userId === team.ownerId) throw new ApiError(400, { success: false, msg: "Cannot remove the team owner from the team" });
  if (!Number.isInteger(userId) || !ctx.state.db.removeMember(team.id, userId))
    throw new ApiError(404, { status: "failure", message: "No user was removed from the team." });
  return json({ status: "success", message: "User removed from the team." });
};

/**
 * The invited person accepting (a test hook; the real acceptance happens in the console): every
 * pending invitation of `email` becomes a membership, and the person gets a user account if they
 * had none. Returns the team ids joined.
 */
export function acceptInvites(db: EmulatorDb, email: string, now: number): number[] {
  const user =
    db.findAccount({ email, kind: "user" }) ??
    db.createUser(
      { username: email.split("@")[0] ?? email, email, parentId: null, hostOnly: false, createdAt: now / 1000 },
      keyHash(randomBytes(32).toString("hex")),
    );
  return db.acceptInvites(email, user.id);
}
