/**
 * zod schemas for what the client sends to the Vast API and what it sends back (vast-api.md §3).
 * Request bodies are built by the providers and typed by these schemas; responses are parsed, lenient
 * where Vast is inconsistent (numbers as strings, nullable fields, extra keys) and strict where we
 * depend on a value. Each schema shares its name with its inferred type.
 */
import { z } from "zod";

/** A number Vast may send as a JSON string (vast-api.md §2.2, §3.1). */
export const looseNumber = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

/** Body of `PUT /asks/{id}/` (vast-api.md §3.2). */
export const CreateInstanceBody = z.strictObject({
  client_id: z.literal("me"),
  image: z.string().nullish(),
  template_hash_id: z.string().nullish(),
  label: z.string(),
  disk: z.number(),
  env: z.record(z.string(), z.string()),
  runtype: z.string().optional(),
  onstart: z.string().optional(),
  args: z.array(z.string()).optional(),
  price: z.number().nullish(),
  target_state: z.enum(["running", "stopped"]).optional(),
  cancel_unavail: z.boolean().optional(),
  image_login: z.string().optional(),
  /** An existing volume (local or network) to mount, as the CLI's `--link-volume` sends it (vast-api-more.md §2.1). */
  volume_info: z.strictObject({ mount_path: z.string(), create_new: z.literal(false), volume_id: z.number().int() }).optional(),
});
export type CreateInstanceBody = z.infer<typeof CreateInstanceBody>;

/** Body of `POST`/`PUT /template/` (vast-api.md §3.5). */
export const TemplateBody = z.strictObject({
  name: z.string(),
  image: z.string(),
  tag: z.string().optional(),
  env: z.string(),
  onstart: z.string().nullish(),
  runtype: z.enum(["ssh", "jupyter", "args"]),
  ssh_direct: z.boolean(),
  jup_direct: z.boolean(),
  use_ssh: z.boolean(),
  use_jupyter_lab: z.boolean(),
  args_str: z.string().nullish(),
  recommended_disk_space: z.number().optional(),
  desc: z.string().nullish(),
  readme: z.string().nullish(),
  private: z.boolean(),
  extra_filters: z.record(z.string(), z.unknown()).optional(),
  docker_login_repo: z.string().optional(),
  docker_login_user: z.string().optional(),
  docker_login_pass: z.string().optional(),
});
export type TemplateBody = z.infer<typeof TemplateBody>;

/** One offer row of `POST /bundles/` (vast-api.md §3.1). Only the fields we read are typed. */
export const Offer = z.looseObject({
  id: looseNumber,
  machine_id: looseNumber.optional(),
  gpu_name: z.string().optional(),
  num_gpus: looseNumber.optional(),
  dph_total: looseNumber.optional(),
  min_bid: looseNumber.nullish(),
  reliability: looseNumber.nullish(),
  geolocation: z.string().nullish(),
});
export type Offer = z.infer<typeof Offer>;

export const OfferList = z.looseObject({ offers: z.array(Offer) });
export type OfferList = z.infer<typeof OfferList>;

/** Docker port bindings; `HostPort` is a string (vast-api.md §6.2). */
const PortBindings = z.record(z.string(), z.array(z.looseObject({ HostIp: z.string().optional(), HostPort: z.string() })).nullable());

/** The instance object (vast-api.md §3.3.5); fields we do not read pass through untyped. */
export const Instance = z.looseObject({
  id: looseNumber,
  actual_status: z.string().nullish(),
  intended_status: z.string().nullish(),
  cur_state: z.string().nullish(),
  status_msg: z.string().nullish(),
  label: z.string().nullish(),
  machine_id: looseNumber.nullish(),
  image_uuid: z.string().nullish(),
  public_ipaddr: z.string().nullish(),
  ssh_host: z.string().nullish(),
  ssh_port: looseNumber.nullish(),
  ports: PortBindings.nullish(),
  gpu_name: z.string().nullish(),
  num_gpus: looseNumber.nullish(),
  dph_total: looseNumber.nullish(),
  is_bid: z.boolean().nullish(),
  template_hash_id: z.string().nullish(),
});
export type Instance = z.infer<typeof Instance>;

/**
 * The single read answers `{"instances": {...}}`, and for a gone instance `null`, `{}` or an object
 * without `id` (vast-api.md §3.3.1). All of the latter mean "not found".
 */
export const InstanceRead = z.looseObject({
  instances: z.union([Instance, z.looseObject({}), z.null()]).optional(),
});

export const InstancePage = z.looseObject({
  instances: z.array(Instance),
  next_token: z.string().nullish(),
});
export type InstancePage = z.infer<typeof InstancePage>;

export const CreateInstanceResult = z.looseObject({ new_contract: looseNumber });
export type CreateInstanceResult = z.infer<typeof CreateInstanceResult>;

export const Template = z.looseObject({
  id: looseNumber,
  hash_id: z.string(),
  name: z.string().nullish(),
  image: z.string().nullish(),
});
export type Template = z.infer<typeof Template>;

export const TemplateWrite = z.looseObject({ template: Template });
export const TemplateSearch = z.looseObject({ templates: z.array(Template) });

export const SshKey = z.looseObject({
  id: looseNumber,
  /** The list calls it `key`, create calls it `public_key` (vast-api.md §3.6). */
  key: z.string().optional(),
  public_key: z.string().optional(),
});
export type SshKey = z.infer<typeof SshKey>;
export const SshKeyCreated = z.looseObject({ key: SshKey });

export const SecretList = z.looseObject({ secrets: z.record(z.string(), z.string()).nullish() });

/** `GET /users/current` (vast-api.md §3.9); only what we read is typed. */
export const CurrentUser = z.looseObject({
  id: looseNumber,
  credit: looseNumber.nullish(),
  balance: looseNumber.nullish(),
});
export type CurrentUser = z.infer<typeof CurrentUser>;

/** Body of `PUT /volumes/` (vast-api.md §3.8, G20): rents `size` GB of a volume offer. */
export const CreateVolumeBody = z.strictObject({
  id: z.number().int(),
  size: z.number().int(),
  name: z.string().optional(),
});
export type CreateVolumeBody = z.infer<typeof CreateVolumeBody>;

/**
 * The rent answer: documented as `{"success", "volume_name": "V.<id>"}`, with `volume_id` or `id`
 * seen as well (vast-api-more.md §2.1), so any of the three may carry the id.
 */
export const CreateVolumeResult = z.looseObject({
  volume_name: z.string().nullish(),
  volume_id: looseNumber.nullish(),
  id: looseNumber.nullish(),
});
export type CreateVolumeResult = z.infer<typeof CreateVolumeResult>;

/** One row of `POST /volumes/search/` or `/network_volumes/search/` (vast-api.md §3.1 end); only the fields we read are typed. */
export const VolumeOffer = z.looseObject({
  id: looseNumber,
  machine_id: looseNumber.nullish(),
  disk_space: looseNumber.nullish(),
  storage_cost: looseNumber.nullish(),
  geolocation: z.string().nullish(),
  /** A network-volume offer's cluster: only machines of that cluster can mount its volumes (vast-api-more.md §2.2). */
  cluster_id: looseNumber.nullish(),
});
export type VolumeOffer = z.infer<typeof VolumeOffer>;
export const VolumeOfferList = z.looseObject({ offers: z.array(VolumeOffer) });

/** One row of `GET /volumes?owner=me`, local or network (vast-api.md §3.8); there is no single-volume read. */
export const Volume = z.looseObject({
  id: looseNumber,
  status: z.string().nullish(),
  disk_space: looseNumber.nullish(),
  instances: z.array(looseNumber).nullish(),
  machine_id: looseNumber.nullish(),
  label: z.string().nullish(),
  name: z.string().nullish(),
  /** Set on a network volume: the cluster whose machines can mount it (vast-api-more.md §2.2). */
  cluster_id: looseNumber.nullish(),
});
export type Volume = z.infer<typeof Volume>;
export const VolumeList = z.looseObject({ volumes: z.array(Volume) });

/** The fields an error body may carry (vast-api.md §2.1). */
export const ErrorBody = z.looseObject({
  success: z.boolean().optional(),
  error: z.string().optional(),
  msg: z.string().optional(),
  message: z.string().optional(),
  detail: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * One row of `GET /charges/` (vast-api-more.md §6), or one of its nested lines (GPU, storage,
 * bandwidth): `start`/`end` in epoch seconds, `amount` in dollars, `source` such as `instance-123`.
 */
export const Charge = z.looseObject({
  type: z.string(),
  source: z.string().nullish(),
  description: z.string().nullish(),
  start: looseNumber.nullish(),
  end: looseNumber.nullish(),
  amount: looseNumber,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  get items() {
    return z.array(Charge).nullish();
  },
});
export type Charge = z.infer<typeof Charge>;
/** The billing envelope of `GET /charges/` (vast-api-more.md §6). */
export const ChargePage = z.looseObject({
  results: z.array(Charge),
  total: looseNumber.nullish(),
  next_token: z.string().nullish(),
});
