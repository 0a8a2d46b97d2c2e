/**
 * Account environment variables, `/api/v0/secrets/` (vast-api.md §3.7): upper-cased keys, the
 * documented validation and error codes, values masked in the list.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { SecretBody } from "../schemas.ts";

const KEY_PATTERN = /^[a-zA-Z_]\w*$/;
const VALUE_PATTERN = /^[a-zA-Z0-9_\-.]+$/;
const MAX_KEY = 64;
const MAX_VALUE = 4096;
/** The per-user limit on their number (§3.7 "Validation"); its real value is undocumented. */
const MAX_SECRETS = 100;
const MASK = "*****";

function input(ctx: RequestContext, needValue: boolean): { key: string; value: string } {
  const parsed = SecretBody.safeParse(ctx.body);
  const key = parsed.success ? parsed.data.key : undefined;
  const value = parsed.success ? parsed.data.value : undefined;
  if (typeof key !== "string" || (needValue && typeof value !== "string")) {
    throw apiError(400, "missing_input", needValue ? "Both 'key' and 'value' are required." : "'key' is required.");
  }
  return { key: key.toUpperCase(), value: typeof value === "string" ? value : "" };
}

function validate(key: string, value: string): void {
  if (key === "" || value === "") throw apiError(400, "empty_input", "Key and value must not be empty.");
  if (key.length > MAX_KEY || value.length > MAX_VALUE) throw apiError(400, "input_too_long", "Key or value is too long.");
  if (!KEY_PATTERN.test(key) || !VALUE_PATTERN.test(value)) {
    throw apiError(400, "invalid_characters", "Key or value contains invalid characters.");
  }
}

/** `GET /api/v0/secrets/` → `{"success": true, "secrets": {"KEY": "*****"}}`. */
export const listSecrets: Handler = (ctx) =>
  json({ success: true, secrets: Object.fromEntries(ctx.state.db.listSecrets().map(({ key }) => [key, MASK])) });

/** `POST /api/v0/secrets/` `{"key", "value"}`; an existing key is a 400 `existing_key`. */
export const createSecret: Handler = (ctx) => {
  const { key, value } = input(ctx, true);
  validate(key, value);
  const { db } = ctx.state;
  if (db.getSecret(key) !== undefined) throw apiError(400, "existing_key", `Environment variable ${key} already exists.`);
  if (db.listSecrets().length >= MAX_SECRETS) throw apiError(400, "max_secrets", `At most ${MAX_SECRETS} environment variables.`);
  db.putSecret(key, value);
  return json({ success: true, msg: "Environment variable added successfully" });
};

/** `PUT /api/v0/secrets/` `{"key", "value"}`; an unknown key is a 400 `nonexistent_key`. */
export const updateSecret: Handler = (ctx) => {
  const { key, value } = input(ctx, true);
  validate(key, value);
  if (ctx.state.db.getSecret(key) === undefined) throw apiError(400, "nonexistent_key", `Environment variable ${key} does not exist.`);
  ctx.state.db.putSecret(key, value);
  return json({ success: true, msg: "Environment variable updated successfully" });
};

/** `DELETE /api/v0/secrets/` `{"key"}` (the key is in the body). */
export const deleteSecret: Handler = (ctx) => {
  const { key } = input(ctx, false);
  if (ctx.state.db.getSecret(key) === undefined) throw apiError(400, "nonexistent_key", `Environment variable ${key} does not exist.`);
  ctx.state.db.deleteSecret(key);
  return json({ success: true, msg: "Environment variable deleted successfully" });
};
