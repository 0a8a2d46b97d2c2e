/**
 * API keys, `/api/v0/auth/apikeys/` (vast-api-more.md §4.6): a key acts on the account of the key
 * that made it (a team key makes team keys). The secret is returned once, by the create; lists and
 * reads never carry it. Deletion is soft, and a deleted key gets 401 from then on.
 */
import { randomBytes } from "node:crypto";
import { type Handler, type RequestContext, json } from "../context.ts";
import type { ApiKeyRecord } from "../db.ts";
import { ApiError, apiError } from "../errors.ts";
import { keyHash } from "../key-hash.ts";
import { parseBody } from "../schemas.ts";
import { CreateApiKeyBody, PERMISSION_CATEGORIES, Permissions } from "../team-schemas.ts";
import { callerAccount } from "./teams.ts";

/** The server echoes `{}` as the full default set (§4.6, observed by [T]). */
function expanded(permissions: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(permissions).length ? permissions : { api: Object.fromEntries(PERMISSION_CATEGORIES.map((c) => [c, {}])) };
}

function view(ctx: RequestContext, key: ApiKeyRecord) {
  const account = ctx.state.db.getAccount(key.accountId);
  const team = account?.kind === "team" ? account : undefined;
  return {
    id: key.id,
    name: key.name,
    user_id: key.userId,
    rights: null,
    team_id: team?.id ?? null,
    team_name: team?.username ?? null,
    permissions: expanded(key.permissions),
    key_params: key.keyParams,
    created_at: key.createdAt,
  };
}

/** `POST /api/v0/auth/apikeys/` `{"name", "permissions", "key_params"?}` → `{"id", "key", "permissions", …}`. */
export const createApiKey: Handler = (ctx) => {
  const body = parseBody(CreateApiKeyBody, ctx.body);
  if (body.permissions === undefined || body.permissions === null) throw apiError(400, "missing_permissions", "permissions are required");
  const permissions = Permissions.safeParse(body.permissions);
  if (!permissions.success) throw apiError(400, "invalid_permissions", "Invalid permissions");
  const secret = randomBytes(32).toString("hex");
  const key = ctx.state.db.insertApiKey(
    {
      accountId: callerAccount(ctx).id,
      userId: ctx.caller!.userId,
      name: body.name ?? null,
      permissions: permissions.data as Record<string, unknown>,
      keyParams:
        body.key_params === undefined || body.key_params === null
          ? null
          : typeof body.key_params === "string"
            ? body.key_params
            : JSON.stringify(body.key_params),
      createdAt: ctx.now / 1000,
    },
    keyHash(secret),
  );
  return json({ ...view(ctx, key), key: secret });
};

/** `GET /api/v0/auth/apikeys/` → `{"apikeys": [...]}`, the keys acting on the caller's account, without secrets. */
export const listApiKeys: Handler = (ctx) => json({ apikeys: ctx.state.db.listApiKeys(callerAccount(ctx).id).map((k) => view(ctx, k)) });

function ownKey(ctx: RequestContext): ApiKeyRecord {
  const id = Number(ctx.params["id"]);
  if (!Number.isInteger(id)) throw new ApiError(400, { success: false, msg: "API Key ID not provided." });
  const key = ctx.state.db.getApiKey(id);
  if (!key) throw new ApiError(404, { success: false, msg: "API Key not found." });
  if (key.accountId !== callerAccount(ctx).id)
    throw new ApiError(403, { success: false, msg: "You do not have permission to delete this API Key." });
  return key;
}

/** `GET /api/v0/auth/apikeys/{id}/` → the key object, without its secret. */
export const showApiKey: Handler = (ctx) => json(view(ctx, ownKey(ctx)));

/** `DELETE /api/v0/auth/apikeys/{id}/` → the bare JSON string "Successfully Deleted API Key". */
export const deleteApiKey: Handler = (ctx) => {
  ctx.state.db.deleteApiKey(ownKey(ctx).id, ctx.now / 1000);
  return json("Successfully Deleted API Key");
};
