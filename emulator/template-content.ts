/**
 * Template content: defaults, the "null means keep" edit rule, the content hash that becomes
 * `hash_id`, and the API view with `extra_filters` as a JSON string (vast-api.md §3.5, §10).
 */
import { createHash } from "node:crypto";
import { ACCOUNT } from "./context.ts";
import type { TemplateRecord } from "./db.ts";
import { apiError } from "./errors.ts";
import type { TemplateBody } from "./schemas.ts";

/** Every stored field with its server default. */
const DEFAULTS: Record<string, unknown> = {
  name: null,
  image: null,
  tag: "latest",
  env: "",
  onstart: null,
  runtype: "args",
  ssh_direct: false,
  jup_direct: false,
  use_ssh: false,
  use_jupyter_lab: false,
  jupyter_dir: null,
  args_str: null,
  docker_login_repo: null,
  docker_login_user: null,
  docker_login_pass: null,
  href: null,
  repo: null,
  extra_filters: {},
  recommended_disk_space: 8,
  desc: null,
  readme: null,
  readme_visible: true,
  private: true,
  volume_info: null,
};

/** Fields never echoed back: the registry password. */
const HIDDEN = new Set(["docker_login_pass"]);

/**
 * The content a create (`previous` undefined) or an edit produces. Null or absent fields take the
 * default on create and keep the old value on edit (the CLI sends full bodies full of nulls).
 */
export function templateContent(body: TemplateBody, previous?: Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = { ...DEFAULTS, ...previous };
  for (const field of Object.keys(DEFAULTS)) {
    const value = (body as Record<string, unknown>)[field];
    if (value === null || value === undefined) continue;
    content[field] = value;
  }
  if (typeof content["extra_filters"] === "string") {
    try {
      content["extra_filters"] = JSON.parse(content["extra_filters"]) as unknown;
    } catch {
      throw apiError(400, "invalid_args", "extra_filters is not valid JSON");
    }
  }
  if (typeof content["name"] !== "string" || content["name"] === "") throw apiError(400, "invalid_args", "Template name is required");
  if (typeof content["image"] !== "string" || content["image"] === "") throw apiError(400, "invalid_args", "Template image is required");
  return content;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** 32 hex digits derived from the content only: identical content, identical hash (§3.5). */
export function contentHash(content: Record<string, unknown>): string {
  return createHash("md5").update(canonical(content)).digest("hex");
}

/** JSON the way Python's `json.dumps` prints it (`", "` and `": "`), as the API returns nested JSON strings. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** The API's Template object. `extra_filters` is a JSON string, as search returns it (§3.5). */
export function templateView(record: TemplateRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { id: record.id, hash_id: record.hashId };
  for (const [field, value] of Object.entries(record.content)) if (!HIDDEN.has(field)) view[field] = value;
  return {
    ...view,
    extra_filters: pythonJson(record.content["extra_filters"] ?? {}),
    recommended_disk_space: Number(record.content["recommended_disk_space"]),
    creator_id: ACCOUNT.id,
    created_at: record.createdAt,
    count_created: record.countCreated,
    recent_create_date: record.recentCreateDate,
    default_tag: record.content["tag"],
    recommended: false,
  };
}
