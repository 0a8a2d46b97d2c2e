/**
 * Volumes, `/api/v0/volumes/` (vast-api.md §3.8): rent a local volume from a volume offer, list
 * local and network volumes (network ones are rented in network-volumes.ts), and delete either
 * (id in the query, as the CLI sends it, or in the body, as the docs do). A volume that is
 * attached to an instance cannot be deleted. Volume-offer search lives in offers.ts.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { CreateVolumeBody, DeleteVolumeBody, parseBody } from "../schemas.ts";

const NAME_PATTERN = /^\w{1,64}$/;
const DEFAULT_SIZE_GB = 15;

/** `PUT /api/v0/volumes/` `{"id": <volume offer>, "size", "name"?}` → `{"success", "volume_name", "volume_id"}`. */
export const createVolume: Handler = (ctx) => {
  const { id, size = DEFAULT_SIZE_GB, name } = parseBody(CreateVolumeBody, ctx.body);
  const offer = ctx.state.catalog.volumeById.get(id);
  if (!offer) throw apiError(404, "no_such_ask", `Volume offer ${id} is not available.`);
  if (name && !NAME_PATTERN.test(name))
    throw apiError(400, "invalid_args", "Volume names use letters, digits and underscores, at most 64.");
  const sizeGb = size ?? DEFAULT_SIZE_GB;
  if (!(sizeGb >= 1 && sizeGb <= Number(offer["disk_space"])))
    throw apiError(400, "invalid_args", `size must be between 1 and ${offer["disk_space"]} GB`);
  const volume = ctx.state.db.insertVolume(id, name ?? null, Math.round(sizeGb), ctx.now / 1000);
  return json({ success: true, volume_name: `V.${volume.id}`, volume_id: volume.id });
};

/** $/hour of `sizeGb` at `storageCost` $/GB/month, as the list shows it. */
function storageHourly(storageCost: number, sizeGb: number): number {
  return Math.round(((storageCost * sizeGb) / 730) * 1e6) / 1e6;
}

/** Local volumes as list rows (§3.8). */
function localRows(ctx: RequestContext): unknown[] {
  return ctx.state.db.listVolumes().map((volume) => {
    const offer = ctx.state.catalog.volumeById.get(volume.volumeOfferId);
    return {
      id: volume.id,
      label: volume.name,
      name: volume.name,
      status: volume.instanceId === null ? "available" : "attached",
      disk_space: volume.size,
      start_date: volume.createdAt,
      instances: volume.instanceId === null ? [] : [volume.instanceId],
      machine_id: offer?.["machine_id"] ?? null,
      host_id: offer?.["host_id"] ?? null,
      geolocation: offer?.["geolocation"] ?? null,
      reliability2: offer?.["reliability2"] ?? null,
      verification: offer?.["verification"] ?? null,
      disk_name: offer?.["disk_name"] ?? null,
      inet_up: offer?.["inet_up"] ?? null,
      inet_down: offer?.["inet_down"] ?? null,
      storage_total_cost: storageHourly(Number(offer?.["storage_cost"] ?? 0), volume.size),
      driver_version: offer?.["driver_version"] ?? null,
      cluster_id: null,
    };
  });
}

/** Network volumes as list rows: the local row shape, on a cluster rather than a machine (vast-api-more.md §2.2). */
function networkRows(ctx: RequestContext): unknown[] {
  const mounts = ctx.state.db.listVolumeMounts();
  return ctx.state.db.listNetworkVolumes().map((volume) => {
    const offer = ctx.state.catalog.networkVolumeById.get(volume.offerId);
    const instances = mounts.filter((mount) => mount.volumeId === volume.id).map((mount) => mount.instanceId);
    return {
      id: volume.id,
      label: volume.name,
      name: volume.name,
      status: instances.length === 0 ? "available" : "attached",
      disk_space: volume.size,
      start_date: volume.createdAt,
      instances,
      machine_id: null,
      host_id: offer?.["host_id"] ?? null,
      geolocation: offer?.["geolocation"] ?? null,
      reliability2: offer?.["reliability2"] ?? null,
      verification: offer?.["verification"] ?? null,
      inet_up: offer?.["inet_up"] ?? null,
      inet_down: offer?.["inet_down"] ?? null,
      storage_total_cost: storageHourly(Number(offer?.["storage_cost"] ?? 0), volume.size),
      cluster_id: offer?.["cluster_id"] ?? null,
    };
  });
}

/** `GET /api/v0/volumes?owner=me&type=local_volume|network_volume|all_volume` → `{"volumes": [...]}`. */
export const listVolumes: Handler = (ctx) => {
  const type = ctx.query.get("type") ?? "all_volume";
  const volumes = [...(type === "network_volume" ? [] : localRows(ctx)), ...(type === "local_volume" ? [] : networkRows(ctx))].sort(
    (a, b) => (a as { id: number }).id - (b as { id: number }).id,
  );
  return json({ volumes });
};

/** `DELETE /api/v0/volumes/?id=N` (or `{"id": N}`) → `{"success": true}`. */
export const deleteVolume: Handler = (ctx) => {
  const fromBody = DeleteVolumeBody.safeParse(ctx.body);
  const raw = ctx.query.get("id") ?? (fromBody.success ? fromBody.data.id : undefined);
  const id = Number(raw);
  if (raw === undefined || raw === null || !Number.isInteger(id)) throw apiError(400, "invalid_args", "Please provide a valid volume ID.");
  const { db } = ctx.state;
  const volume = db.getVolume(id);
  // There is no network-specific delete: both kinds go through here (vast-api-more.md §2.2).
  const network = volume ? undefined : db.listNetworkVolumes().find((v) => v.id === id);
  if (!volume && !network) throw apiError(404, "no_such_volume", "Volume with that ID does not exist.");
  const users = volume
    ? volume.instanceId === null
      ? []
      : [volume.instanceId]
    : db
        .listVolumeMounts()
        .filter((m) => m.volumeId === id)
        .map((m) => m.instanceId);
  if (users.length > 0) {
    throw apiError(400, "volume_in_use", `Volume ${id} is attached to instance ${users.join(", ")}; destroy the instance first.`);
  }
  // Vast releases a volume about 30 s after its instance is destroyed (§3.8): until then it is in use.
  if (db.volumeReleasedAt(id) > ctx.now)
    throw apiError(400, "volume_in_use", `Volume ${id} is still being released from a destroyed instance.`);
  if (volume) db.deleteVolume(id);
  else db.deleteNetworkVolume(id);
  ctx.state.containers?.dropVolume(id);
  return json({ success: true });
};
