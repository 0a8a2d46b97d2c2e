/**
 * Renting an offer: `PUT /api/v0/asks/{id}/` (vast-api.md §3.2). Validates the body, merges the
 * template (§3.2.3), makes the offer single-use (§4.6) and writes the new instance with its
 * timeline (§4.3). Two faults hook in here: `offerTakenOnRent` and `dropCreateResponse`.
 */
import { randomBytes } from "node:crypto";
import type { CatalogOffer } from "../catalog.ts";
import { type Handler, type RequestContext, json } from "../context.ts";
import type { InstanceConfig, InstanceRecord } from "../db.ts";
import { assignPorts, checkEnvLimits, normaliseEnv, normaliseRuntype, parseEnvString, templateRuntype } from "../docker-env.ts";
import { apiError } from "../errors.ts";
import { knownSteps } from "../instance-control.ts";
import { createTimeline, createdStoppedTimeline } from "../lifecycle.ts";
import { priceOffer } from "../offer-pricing.ts";
import { CreateInstanceBody, describeIssues } from "../schemas.ts";
import { overlayAtCreate } from "./clusters.ts";

/** Create-time limits (§3.2 "Input limits"). */
const MAX_LABEL_AT_CREATE = 256;
const MAX_IMAGE = 1024;
const MAX_SCRIPTS = 4096;
const MIN_DISK_GB = 8;

function invalidArgs(askId: number, detail: string) {
  return apiError(400, "invalid_args", `error 400/3467: Invalid args: ${detail}`, { ask_id: askId });
}

/** `image` plus `:tag` unless the image already names a tag or digest. */
function imageWithTag(image: string, tag: unknown): string {
  const name = image.slice(image.lastIndexOf("/") + 1);
  if (typeof tag !== "string" || tag === "" || name.includes(":") || image.includes("@")) return image;
  return `${image}:${tag}`;
}

/** The template's registry credentials as an `image_login` string; they carry over to the instance (§3.2.3). */
function templateLogin(t: Record<string, unknown>): string | null {
  const { docker_login_user: user, docker_login_pass: pass, docker_login_repo: repo } = t;
  if (typeof user !== "string" || typeof pass !== "string" || !user || !pass) return null;
  return `-u ${user} -p ${pass}${typeof repo === "string" && repo ? ` ${repo}` : ""}`;
}

/** A volume the new instance mounts: a local one is also marked attached (one instance at a time). */
interface Attachment {
  volumeId: number;
  local: boolean;
  mountPath: string;
}

/**
 * The `-v V.<id>:<path>` env key, the second attach form (vast-api-more.md §2.1): treated exactly
 * as `volume_info` with `create_new: false`.
 */
function volumeFromEnv(env: Record<string, unknown> | string | null | undefined): CreateInstanceBody["volume_info"] {
  if (!env || typeof env !== "object") return undefined;
  for (const key of Object.keys(env)) {
    const match = /^-v V\.(\d+):(\/\S*)$/.exec(key);
    if (match) return { create_new: false, volume_id: Number(match[1]), mount_path: match[2] };
  }
  return undefined;
}

/**
 * Resolves `volume_info` (§3.2): a new local volume from a volume offer, or an existing volume,
 * local on the same machine or network on the machine's cluster (vast-api-more.md §2.2).
 */
function resolveVolume(
  ctx: RequestContext,
  askId: number,
  offer: CatalogOffer,
  info: CreateInstanceBody["volume_info"],
): Attachment | null {
  if (!info) return null;
  const { db, catalog } = ctx.state;
  const mountPath = info.mount_path ?? "/data";
  if (!/^\/[\w./-]*$/.test(mountPath)) throw invalidArgs(askId, `mount_path ${JSON.stringify(mountPath)} is not a Linux path`);
  if (info.create_new) {
    const volumeOffer = catalog.volumeById.get(info.volume_id);
    if (!volumeOffer || volumeOffer.machine_id !== offer.machine_id) {
      throw invalidArgs(askId, `volume offer ${info.volume_id} is not on the machine of offer ${askId}`);
    }
    return { volumeId: db.insertVolume(volumeOffer.id, info.name ?? null, info.size ?? 15, ctx.now / 1000).id, local: true, mountPath };
  }
  const network = db.listNetworkVolumes().find((v) => v.id === info.volume_id);
  if (network) {
    const cluster = catalog.networkVolumeById.get(network.offerId)?.cluster_id;
    if (cluster !== offer["cluster_id"])
      throw invalidArgs(askId, `network volume ${network.id} is on cluster ${cluster}, not on the cluster of offer ${askId}`);
    return { volumeId: network.id, local: false, mountPath };
  }
  const volume = db.getVolume(info.volume_id);
  const volumeOffer = volume && catalog.volumeById.get(volume.volumeOfferId);
  if (!volume || !volumeOffer || volumeOffer.machine_id !== offer.machine_id) {
    throw invalidArgs(askId, `volume ${info.volume_id} does not exist on the machine of offer ${askId}`);
  }
  if (volume.instanceId !== null) throw invalidArgs(askId, `volume ${info.volume_id} is attached to instance ${volume.instanceId}`);
  return { volumeId: volume.id, local: true, mountPath };
}

/** `PUT /api/v0/asks/{id}/` → `{"success": true, "new_contract": <instance id>, "instance_api_key": ...}`. */
export const createInstance: Handler = (ctx) => {
  const { db, catalog, faults, timings } = ctx.state;
  const askId = Number(ctx.params["id"]);
  if (!Number.isInteger(askId)) throw apiError(400, "invalid_args", "error 400/3467: Invalid args: invalid ask id");
  const parsed = CreateInstanceBody.safeParse(ctx.body);
  if (!parsed.success) throw invalidArgs(askId, describeIssues(parsed.error));
  const body = parsed.data;

  const offer = catalog.byId.get(askId);
  if (!offer) {
    throw apiError(404, "invalid_args", `error 404/3603: no_such_ask Instance type by id ${askId} is not available.`, { ask_id: askId });
  }
  if (faults.takeOfferTakenOnRent() && !db.isOfferRented(askId)) db.markOfferTaken(askId);
  if (db.isOfferRented(askId)) {
    throw apiError(410, "no_such_ask", `error 410/3907: no_such_ask Instance type ${askId} is no longer available.`, { ask_id: askId });
  }

  // Creation takes only template_hash_id; template_id fails (§3.2.3).
  if (body.template_id !== undefined && body.template_id !== null && !body.template_hash_id) {
    throw invalidArgs(askId, "template_id is not accepted here; use template_hash_id");
  }
  const template = body.template_hash_id ? db.findTemplateVersion(body.template_hash_id) : undefined;
  if (body.template_hash_id && !template) throw invalidArgs(askId, `no template with hash_id ${body.template_hash_id}`);
  const t = template?.content ?? {};

  const image = body.image ?? (typeof t["image"] === "string" ? imageWithTag(t["image"], t["tag"]) : null);
  if (!image) throw invalidArgs(askId, "image is required");
  if (image.length > MAX_IMAGE) throw invalidArgs(askId, `image is longer than ${MAX_IMAGE} characters`);
  if (body.label && body.label.length > MAX_LABEL_AT_CREATE)
    throw invalidArgs(askId, `label is longer than ${MAX_LABEL_AT_CREATE} characters`);
  const disk = body.disk ?? Number(t["recommended_disk_space"] ?? MIN_DISK_GB);
  if (!(disk >= MIN_DISK_GB)) throw invalidArgs(askId, `disk must be at least ${MIN_DISK_GB} GB`);
  if (body.price !== null && body.price !== undefined && !(body.price >= 0.001 && body.price <= 128)) {
    throw apiError(400, "invalid_price", `error 400/3467: Invalid args: price must be between 0.001 and 128`, { ask_id: askId });
  }
  const onstart = body.onstart ?? (typeof t["onstart"] === "string" ? t["onstart"] : null);
  const argsStr = body.args_str ?? (typeof t["args_str"] === "string" ? t["args_str"] : null);
  if ((onstart ?? "").length + (argsStr ?? "").length + (body.args ?? []).join(" ").length > MAX_SCRIPTS) {
    throw invalidArgs(askId, `args, args_str and onstart together are longer than ${MAX_SCRIPTS} characters`);
  }
  // Env merges by key, the request winning (§3.2.3); templates keep the flag string (§3.2.1).
  const env = { ...parseEnvString(typeof t["env"] === "string" ? t["env"] : ""), ...normaliseEnv(body.env) };
  checkEnvLimits(env, askId);
  const rawRuntype =
    body.runtype ??
    (template ? templateRuntype(String(t["runtype"] ?? "args"), t["ssh_direct"] === true, t["jup_direct"] === true) : null) ??
    (body.args || body.args_str ? "args" : "ssh");
  const runtype = normaliseRuntype(rawRuntype, askId);
  if (body.vm && db.listSshKeys().length === 0) {
    throw apiError(400, "no_ssh_key_for_vm", "error 400/3467: VM instances need an SSH key on the account", { ask_id: askId });
  }
  const attachment = resolveVolume(ctx, askId, offer, body.volume_info ?? volumeFromEnv(body.env));
  const overlayId = overlayAtCreate(ctx, env, offer.machine_id, askId);

  const id = db.nextId("instance");
  // In Docker mode the container decides how the boot ends; the test knobs stay out of it.
  const fails = !ctx.state.containers && (image.toLowerCase().includes("fail") || faults.takeDieWhileLoading());
  const outcome = { image, runtype, fails };
  const config: InstanceConfig = {
    image,
    runtype,
    env,
    onstart,
    args: body.args ?? null,
    argsStr,
    disk,
    price: body.price ?? null,
    templateId: template?.templateId ?? null,
    templateHashId: body.template_hash_id ?? null,
    templateName: typeof t["name"] === "string" ? t["name"] : null,
    jupyterToken: randomBytes(32).toString("hex"),
    instanceApiKey: randomBytes(32).toString("hex"),
    openButtonToken: randomBytes(32).toString("hex"),
    imageLogin: body.image_login ?? templateLogin(t),
    sshIdx: 1 + (id % 9),
    sshPort: 10_000 + (id % 50_000),
    ports: assignPorts(env, runtype, { start: offer.direct_port_start, end: offer.direct_port_end }),
  };
  const record: InstanceRecord = {
    id,
    offerId: askId,
    label: body.label ?? null,
    intendedStatus: body.target_state === "stopped" ? "stopped" : "running",
    timeline:
      body.target_state === "stopped" ? createdStoppedTimeline(ctx.now) : knownSteps(ctx.state, createTimeline(ctx.now, timings, outcome)),
    config,
    offer: priceOffer(offer, body.price ? "bid" : "on-demand", disk, ctx.now / 1000),
    createdAt: ctx.now / 1000,
  };
  db.createInstance(record, template?.templateId ?? null, attachment?.local ? attachment.volumeId : null);
  if (attachment) db.mountVolume(attachment.volumeId, id, attachment.mountPath);
  if (overlayId !== null) db.joinOverlay(overlayId, id);
  // Account keys go onto every instance (§3.6 "Create").
  for (const key of db.listSshKeys()) db.attachSshKey(id, key.publicKey);
  if (record.intendedStatus === "running") ctx.state.containers?.run("boot", id);

  if (faults.takeDropCreateResponse()) return { kind: "drop" };
  return json({ success: true, new_contract: id, instance_api_key: config.instanceApiKey });
};
