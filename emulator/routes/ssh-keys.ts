/**
 * Account SSH keys and their attachment to instances (vast-api.md §3.6). Quirks kept on purpose:
 * the list is a bare array and 404s when empty; create names the field `public_key`, the list
 * `key`; deleting an unknown key is a 400 `no_ssh_key`; attach takes the key text.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import { ACCOUNT } from "../context.ts";
import type { SshKeyRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { SshKeyBody } from "../schemas.ts";
import { idParam, requireInstance } from "./instances.ts";

const NO_KEY = () => apiError(400, "no_ssh_key", "No ssh key provided");

function keyText(ctx: RequestContext): string {
  const parsed = SshKeyBody.safeParse(ctx.body);
  const text = parsed.success ? (parsed.data.ssh_key ?? parsed.data.public_key ?? "").trim() : "";
  if (!text) throw NO_KEY();
  return text;
}

function keyObject(key: SshKeyRecord, field: "key" | "public_key"): Record<string, unknown> {
  return { id: key.id, user_id: ACCOUNT.id, [field]: key.publicKey, created_at: key.createdAt, deleted_at: null };
}

/** `GET /api/v0/ssh/` → `[{"id", "user_id", "key", ...}]`, or 404 when there are none. */
export const listSshKeys: Handler = (ctx) => {
  const keys = ctx.state.db.listSshKeys();
  if (keys.length === 0) return json({ success: false, msg: "No SSH keys found for the user." }, 404);
  return json(keys.map((key) => keyObject(key, "key")));
};

/** `POST /api/v0/ssh/` `{"ssh_key"}`; the key also goes onto every current instance. Duplicates are refused (§10). */
export const createSshKey: Handler = (ctx) => {
  const text = keyText(ctx);
  const { db } = ctx.state;
  if (db.listSshKeys().some((key) => key.publicKey === text)) {
    throw apiError(400, "duplicate_ssh_key", "This SSH key is already on your account.");
  }
  const key = db.insertSshKey(text, ctx.now / 1000);
  for (const instance of db.listInstances()) db.attachSshKey(instance.id, text);
  return json({ success: true, key: keyObject(key, "public_key") });
};

/** `PUT /api/v0/ssh/{id}/` `{"id", "ssh_key"}`. */
export const updateSshKey: Handler = (ctx) => {
  const text = keyText(ctx);
  const id = idParam(ctx);
  const key = Number.isNaN(id) ? undefined : ctx.state.db.getSshKey(id);
  if (!key) throw NO_KEY();
  ctx.state.db.updateSshKey(key.id, text);
  return json({ success: true, key: keyObject({ ...key, publicKey: text }, "public_key") });
};

/** `DELETE /api/v0/ssh/{id}/`; an unknown id is a 400, not a 404. */
export const deleteSshKey: Handler = (ctx) => {
  const id = idParam(ctx);
  if (Number.isNaN(id) || !ctx.state.db.getSshKey(id)) throw NO_KEY();
  ctx.state.db.deleteSshKey(id);
  return json({ success: true });
};

/** `GET /api/v0/instances/{id}/ssh/` → `{"success": true, "ssh_keys": "<JSON array as a string>"}`. */
export const listInstanceSshKeys: Handler = (ctx) => {
  const record = requireInstance(ctx);
  const keys = ctx.state.db.instanceSshKeys(record.id);
  return json({ success: true, ssh_keys: JSON.stringify(keys) });
};

/** `POST /api/v0/instances/{id}/ssh/` `{"ssh_key": "<key text>"}`. */
export const attachSshKey: Handler = (ctx) => {
  const record = requireInstance(ctx);
  ctx.state.db.attachSshKey(record.id, keyText(ctx));
  return json({ success: true, msg: "SSH key attached successfully" });
};

/** `DELETE /api/v0/instances/{id}/ssh/{ssh_key_id}/`: the id is an account key's. */
export const detachSshKey: Handler = (ctx) => {
  const record = requireInstance(ctx);
  const keyId = idParam(ctx, "keyId");
  const key = Number.isNaN(keyId) ? undefined : ctx.state.db.getSshKey(keyId);
  if (!key || !ctx.state.db.detachSshKey(record.id, key.publicKey)) {
    throw apiError(404, "no_such_ssh_key", `SSH key ${ctx.params["keyId"]} is not attached to instance ${record.id}.`);
  }
  return json({ success: true, msg: "SSH key removed from instance." });
};
