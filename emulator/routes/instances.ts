/**
 * Instances one by one and in bulk (vast-api.md §3.3.1, §3.3.3, §3.3.4, §3.4): the single read,
 * the legacy v0 list, filter facets, state/label changes, and destroy.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import type { InstanceRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { changeState } from "../instance-control.ts";
import { instanceView } from "../instance-view.ts";
import { BulkDestroyBody, BulkStateBody, ManageInstanceBody, parseBody } from "../schemas.ts";

/** The longest label a PUT accepts (§3.4; create allows 256). */
const MAX_LABEL = 1024;

/** The id route parameter, or NaN. */
export function idParam(ctx: RequestContext, name = "id"): number {
  const value = ctx.params[name] ?? "";
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** The instance named by the `id` parameter, or a 404 `no_such_instance` (§3.4). */
export function requireInstance(ctx: RequestContext): InstanceRecord {
  const id = idParam(ctx);
  const record = Number.isNaN(id) ? undefined : ctx.state.db.getInstance(id);
  if (!record) throw apiError(404, "no_such_instance", `Instance ${ctx.params["id"]} not found.`);
  return record;
}

/** Every instance rendered at `now`, with `volume_info` as the lists carry it (§3.3.2). */
export function listViews(ctx: RequestContext): Array<Record<string, unknown>> {
  const { db } = ctx.state;
  const local = db.listVolumes();
  const volumes = [...local, ...db.listNetworkVolumes()];
  const mounts = db.listVolumeMounts();
  // A local volume attached before mount paths were recorded still shows, without its path.
  const unrecorded = local.filter((v) => v.instanceId !== null && !mounts.some((m) => m.volumeId === v.id));
  const mountedBy = (id: number) => [
    ...mounts.flatMap((m) =>
      m.instanceId === id ? volumes.filter((v) => v.id === m.volumeId).map((v) => ({ ...v, mountPath: m.mountPath })) : [],
    ),
    ...unrecorded.filter((v) => v.instanceId === id),
  ];
  return db.listInstances().map((record) => instanceView(record, ctx.now, { volumes: mountedBy(record.id) }));
}

/** `GET /api/v0/instances/{id}/` → `{"instances": {...}}`, or `{"instances": null}` once gone, never `{}` (§3.3.1). */
export const showInstance: Handler = (ctx) => {
  const id = idParam(ctx);
  const record = Number.isNaN(id) ? undefined : ctx.state.db.getInstance(id);
  return json({ instances: record ? instanceView(record, ctx.now) : null });
};

/** `GET /api/v0/instances/` (deprecated, still served) → `{"instances_found", "instances"}` (§3.3.3). */
export const listInstancesV0: Handler = (ctx) => {
  const instances = listViews(ctx);
  return json({ instances_found: instances.length, instances });
};

/** `GET /api/v0/instances/filters/` → the distinct status / verification / GPU combinations (§3.3.4). */
export const instanceFilters: Handler = (ctx) => {
  const seen = new Map<string, Record<string, unknown>>();
  for (const view of listViews(ctx)) {
    const facet = { actual_status: view["actual_status"], verification: view["verification"], gpu_name: view["gpu_name"] };
    seen.set(JSON.stringify(facet), facet);
  }
  return json({ filters: [...seen.values()] });
};

/** `PUT /api/v0/instances/{id}/` with `state`, `label` or both (§3.4). */
export const manageInstance: Handler = (ctx) => {
  const { state, label } = parseBody(ManageInstanceBody, ctx.body);
  if (state === undefined && label === undefined) throw apiError(400, "invalid_args", "Invalid args: give at least one of state or label");
  if (label && label.length > MAX_LABEL) {
    throw apiError(400, "label_too_long", "Please limit label length to 1024 characters, ideally less than 128.");
  }
  const record = requireInstance(ctx);
  if (state) changeState(ctx.state, record, state, ctx.now);
  if (label !== undefined) {
    ctx.state.db.setLabel(record.id, label);
    return json({ success: true, msg: `label for ${record.id} set to '${label ?? ""}'` });
  }
  return json({ success: true });
};

/** `DELETE /api/v0/instances/{id}/`; a repeat answers 404 `not_found`, which clients treat as done (§5.4). */
export const destroyInstance: Handler = (ctx) => {
  const id = idParam(ctx);
  if (Number.isNaN(id)) throw apiError(400, "invalid_args", "invalid instance_id");
  if (!ctx.state.db.getInstance(id)) throw apiError(404, "not_found", "Instance not found");
  ctx.state.db.destroyInstance(id, ctx.now, ctx.state.timings.volumeReleaseMs);
  ctx.state.containers?.run("destroy", id);
  return json({ success: true });
};

/** Bulk `PUT /api/v0/instances/` `{"ids", "state"}`; unknown ids are skipped. */
export const bulkChangeState: Handler = (ctx) => {
  const body = parseBody(BulkStateBody, ctx.body);
  for (const id of body.ids) {
    const record = ctx.state.db.getInstance(id);
    if (record) changeState(ctx.state, record, body.state, ctx.now);
  }
  return json({ success: true });
};

/** Bulk `DELETE /api/v0/instances/` `{"instance_ids"}`; the CLI repeats it up to 6 times, so repeats are harmless (§5.4). */
export const bulkDestroy: Handler = (ctx) => {
  const body = parseBody(BulkDestroyBody, ctx.body);
  for (const id of body.instance_ids) {
    if (!ctx.state.db.getInstance(id)) continue;
    ctx.state.db.destroyInstance(id, ctx.now, ctx.state.timings.volumeReleaseMs);
    ctx.state.containers?.run("destroy", id);
  }
  return json({ success: true });
};
