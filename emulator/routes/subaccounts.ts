/**
 * Subaccounts (vast-api-more.md §4.5): `POST /api/v0/users/` makes a child user of the caller's
 * account, with its own key; `GET /api/v0/subaccounts` lists them. There is no edit and no delete.
 */
import { randomBytes } from "node:crypto";
import { type Handler, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { keyHash } from "../key-hash.ts";
import { parseBody } from "../schemas.ts";
import { CreateSubaccountBody } from "../team-schemas.ts";
import { callerAccount } from "./teams.ts";

/** `POST /api/v0/users/` `{"email", "username", "password", "host_only", "parent_id": "me"}` → `{"id", "username", "email", "key_id"}`. */
export const createSubaccount: Handler = (ctx) => {
  const body = parseBody(CreateSubaccountBody, ctx.body);
  if (body.email.length > 64 || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email) || /@vast/i.test(body.email))
    throw apiError(400, "invalid_email", "Email address not allowed");
  if (body.username === "" || body.username.length > 64) throw apiError(400, "invalid_request", "username must be 1 to 64 characters");
  if (body.password === "") throw apiError(400, "missing_auth_value", "password is required");
  if (body.password.length > 256) throw apiError(400, "invalid_request", "password must be at most 256 characters");
  const db = ctx.state.db;
  if (db.findAccount({ email: body.email }) || db.findAccount({ username: body.username }))
    throw apiError(409, "user_exists", "A user with that email or username already exists");
  // The password is write-only (§4.5): the emulator does not keep it at all.
  const user = db.createUser(
    {
      username: body.username,
      email: body.email,
      parentId: callerAccount(ctx).id,
      hostOnly: body.host_only ?? false,
      createdAt: ctx.now / 1000,
    },
    keyHash(randomBytes(32).toString("hex")),
  );
  return json({ id: user.id, username: user.username, email: user.email, key_id: user.keyId });
};

/** `GET /api/v0/subaccounts?owner=me` → `{"users": [...]}`. */
export const listSubaccounts: Handler = (ctx) =>
  json({
    users: ctx.state.db.listSubaccounts(callerAccount(ctx).id).map((u) => ({
      id: u.id,
      parent_id: u.parentId,
      key_id: u.keyId,
      username: u.username,
      email: u.email,
      fullname: null,
      host_only: u.hostOnly,
      created_at: u.createdAt,
      deleted_at: null,
    })),
  });
