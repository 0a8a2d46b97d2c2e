/**
 * zod schemas of the request bodies the emulator accepts, written from vast-api.md (§3.2, §3.4,
 * §3.5–§3.8), deliberately not shared with providers/ so one mistake cannot hide on both sides.
 * Objects are loose: the CLI sends many keys the emulator does not model, and the real API
 * ignores what it does not know.
 */
import { z } from "zod";
import { apiError } from "./errors.ts";

/** A number that may arrive as a numeric string (the CLI sends `"50"`, `"100"`). */
export const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const optionalText = z.string().nullish();
const flag = z.union([z.boolean(), z.literal("true").transform(() => true), z.literal("false").transform(() => false)]).nullish();

/** `volume_info` at create time (§3.2). */
const VolumeInfo = z.looseObject({
  create_new: z.boolean().optional(),
  volume_id: numeric,
  size: numeric.nullish(),
  mount_path: z.string().optional(),
  name: optionalText,
});

/** Body of `PUT /api/v0/asks/{id}/` (§3.2). */
export const CreateInstanceBody = z.looseObject({
  client_id: optionalText,
  image: optionalText,
  template_hash_id: optionalText,
  template_id: z.unknown().optional(),
  label: optionalText,
  disk: numeric.nullish(),
  env: z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), z.string()]).nullish(),
  runtype: optionalText,
  onstart: optionalText,
  args: z.array(z.string()).nullish(),
  args_str: optionalText,
  price: numeric.nullish(),
  target_state: z.enum(["running", "stopped"]).nullish(),
  cancel_unavail: flag,
  vm: flag,
  volume_info: VolumeInfo.nullish(),
  image_login: optionalText,
});
export type CreateInstanceBody = z.infer<typeof CreateInstanceBody>;

/** Body of `PUT /api/v0/instances/{id}/`: a state, a label, or both (§3.4). */
export const ManageInstanceBody = z.looseObject({
  state: z.enum(["running", "stopped"]).optional(),
  label: z.string().nullish(),
});

/** Body of the bulk `PUT /api/v0/instances/` (§3.4). */
export const BulkStateBody = z.looseObject({
  ids: z.array(numeric),
  state: z.enum(["running", "stopped"]),
});

/** Body of the bulk `DELETE /api/v0/instances/` (§3.4). */
export const BulkDestroyBody = z.looseObject({ instance_ids: z.array(numeric) });

/** Body of `PUT /instances/request_logs/{id}/`: string values, as the CLI sends them (§3.4). */
export const LogsBody = z.looseObject({
  tail: numeric.nullish(),
  filter: optionalText,
  daemon_logs: flag,
});

/** Body of `PUT /instances/bid_price/{id}/` (§3.4). */
export const BidPriceBody = z.looseObject({ price: numeric });

/** Template fields (§3.5). Every field may be null: on edit, null means "keep" (§10). */
export const TemplateBody = z.looseObject({
  id: numeric.nullish(),
  hash_id: optionalText,
  name: optionalText,
  image: optionalText,
  tag: optionalText,
  env: optionalText,
  onstart: optionalText,
  runtype: z.enum(["ssh", "jupyter", "args"]).nullish(),
  ssh_direct: flag,
  jup_direct: flag,
  use_ssh: flag,
  use_jupyter_lab: flag,
  jupyter_dir: optionalText,
  args_str: optionalText,
  docker_login_repo: optionalText,
  docker_login_user: optionalText,
  docker_login_pass: optionalText,
  href: optionalText,
  repo: optionalText,
  extra_filters: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  recommended_disk_space: numeric.nullish(),
  desc: optionalText,
  readme: optionalText,
  readme_visible: flag,
  private: flag,
  volume_info: z.unknown().optional(),
});
export type TemplateBody = z.infer<typeof TemplateBody>;

/** Body of `DELETE /api/v0/template/`: `template_id` (docs) or `hash_id` (CLI), §3.5. */
export const DeleteTemplateBody = z.looseObject({ template_id: numeric.nullish(), hash_id: optionalText });

/** Body of SSH key create/update/attach (§3.6). `public_key` is accepted as an alias. */
export const SshKeyBody = z.looseObject({ ssh_key: optionalText, public_key: optionalText });

/** Body of the secrets calls (§3.7). */
export const SecretBody = z.looseObject({ key: z.unknown().optional(), value: z.unknown().optional() });

/** Body of `PUT /api/v0/volumes/` (§3.8). */
export const CreateVolumeBody = z.looseObject({ id: numeric, size: numeric.nullish(), name: optionalText });

/** Body of `DELETE /api/v0/volumes/` when the id is not in the query (§3.8). */
export const DeleteVolumeBody = z.looseObject({ id: numeric.nullish() });

/** One line per zod issue: "path: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "body"}: ${issue.message}`).join("; ");
}

/** Parses a request body with `schema`, or throws the API's 400 `invalid_args` naming each issue. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw apiError(400, "invalid_args", `Invalid args: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
