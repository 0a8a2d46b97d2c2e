/**
 * Physical clusters and overlay networks (vast-api-more.md §5): `/api/v0/cluster/`,
 * `/api/v0/clusters/` and `/api/v0/overlay/`, per account. The creates answer `{"msg"}` with no id,
 * as the real API does; clients find the new object by subnet or name in the list. A cluster is
 * made of catalogue machines; an instance may join an overlay only when its machine is in the
 * overlay's cluster.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import type { ClusterRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { parseBody } from "../schemas.ts";
import {
  CreateClusterBody,
  CreateOverlayBody,
  DeleteClusterBody,
  DeleteOverlayBody,
  JoinClusterBody,
  JoinOverlayBody,
  RemoveMachineBody,
} from "../team-schemas.ts";
import { callerAccount } from "./teams.ts";

const SUBNET = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isMachine(ctx: RequestContext, machineId: number): boolean {
  return ctx.state.catalog.offers.some((o) => o.machine_id === machineId);
}

/** The n-th address of the subnet (n from 1), as the cluster's `local_ip`. */
function addressIn(subnet: string, n: number): string {
  const [, a, b, c, d] = SUBNET.exec(subnet) ?? [];
  const base = ((Number(a) << 24) | (Number(b) << 16) | (Number(c) << 8) | Number(d)) >>> 0;
  const ip = (base + n) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

function ownCluster(ctx: RequestContext, id: number): ClusterRecord {
  const cluster = ctx.state.db.listClusters(callerAccount(ctx).id).find((c) => c.id === id);
  if (!cluster) throw apiError(404, "not_found", `Cluster ${id} not found`);
  return cluster;
}

/** `POST /api/v0/cluster/` `{"subnet", "manager_id"}` → `{"success": true, "msg"}` (no id). */
export const createCluster: Handler = (ctx) => {
  const { subnet, manager_id } = parseBody(CreateClusterBody, ctx.body);
  if (!SUBNET.test(subnet)) throw apiError(400, "invalid_args", "subnet must be an IPv4 CIDR such as 10.0.0.0/24");
  if (!isMachine(ctx, manager_id)) throw apiError(404, "not_found", `Machine ${manager_id} not found`);
  const account = callerAccount(ctx);
  if (ctx.state.db.listClusters(account.id).some((c) => c.subnet === subnet))
    throw apiError(400, "invalid_args", `A cluster with subnet ${subnet} already exists`);
  ctx.state.db.insertCluster(account.id, subnet, manager_id, addressIn(subnet, 1));
  return json({ success: true, msg: `Created cluster with subnet ${subnet}` });
};

/** `GET /api/v0/clusters/` → `{"clusters": {"<id>": {"subnet", "nodes": [...]}}}`. */
export const listClusters: Handler = (ctx) =>
  json({
    clusters: Object.fromEntries(
      ctx.state.db.listClusters(callerAccount(ctx).id).map((c) => [
        String(c.id),
        {
          subnet: c.subnet,
          nodes: c.machines.map((m) => ({ machine_id: m.machineId, is_cluster_manager: m.machineId === c.managerId, local_ip: m.localIp })),
        },
      ]),
    ),
  });

/** `PUT /api/v0/cluster/` `{"cluster_id", "machine_ids"}` → `{"msg"}`. */
export const joinCluster: Handler = (ctx) => {
  const { cluster_id, machine_ids } = parseBody(JoinClusterBody, ctx.body);
  const cluster = ownCluster(ctx, cluster_id);
  const unknown = machine_ids.filter((m) => !isMachine(ctx, m));
  if (unknown.length) throw apiError(404, "not_found", `Machine ${unknown.join(", ")} not found`);
  let n = cluster.machines.length;
  for (const machineId of machine_ids)
    if (!cluster.machines.some((m) => m.machineId === machineId))
      ctx.state.db.addClusterMachine(cluster.id, machineId, addressIn(cluster.subnet, ++n));
  return json({ success: true, msg: `Added ${machine_ids.length} machine(s) to cluster ${cluster.id}` });
};

/** `DELETE /api/v0/cluster/remove_machine/` `{"cluster_id", "machine_id", "new_manager_id"?}` → `{"msg"}`. */
export const removeClusterMachine: Handler = (ctx) => {
  const { cluster_id, machine_id, new_manager_id } = parseBody(RemoveMachineBody, ctx.body);
  const cluster = ownCluster(ctx, cluster_id);
  if (!cluster.machines.some((m) => m.machineId === machine_id))
    throw apiError(404, "not_found", `Machine ${machine_id} is not in cluster ${cluster.id}`);
  const replacing = machine_id === cluster.managerId;
  if (
    replacing &&
    (new_manager_id === undefined ||
      new_manager_id === null ||
      !cluster.machines.some((m) => m.machineId === new_manager_id && m.machineId !== machine_id))
  )
    throw apiError(400, "invalid_args", "Removing the cluster manager needs new_manager_id, another machine of the cluster");
  ctx.state.db.removeClusterMachine(cluster.id, machine_id, replacing ? (new_manager_id ?? undefined) : undefined);
  return json({ success: true, msg: `Removed machine ${machine_id} from cluster ${cluster.id}` });
};

/** `DELETE /api/v0/cluster/` `{"cluster_id"}` → `{"msg"}`; its overlays go with it. */
export const deleteCluster: Handler = (ctx) => {
  const { cluster_id } = parseBody(DeleteClusterBody, ctx.body);
  ctx.state.db.deleteCluster(ownCluster(ctx, cluster_id).id);
  return json({ success: true, msg: `Deleted cluster ${cluster_id}` });
};

/** `POST /api/v0/overlay/` `{"cluster_id", "name"}` → `{"msg"}` (no id). Names are unique per account. */
export const createOverlay: Handler = (ctx) => {
  const { cluster_id, name } = parseBody(CreateOverlayBody, ctx.body);
  const cluster = ownCluster(ctx, cluster_id);
  const account = callerAccount(ctx);
  if (ctx.state.db.listOverlays(account.id).some((o) => o.name === name))
    throw apiError(400, "invalid_args", `Overlay ${name} already exists`);
  ctx.state.db.insertOverlay(account.id, cluster.id, name);
  return json({ success: true, msg: `Created overlay ${name}` });
};

/** `GET /api/v0/overlay/` → a bare array of `{"overlay_id", "name", "internal_subnet", "cluster_id", "instances"}`. */
export const listOverlays: Handler = (ctx) => {
  const account = callerAccount(ctx);
  const clusters = new Map(ctx.state.db.listClusters(account.id).map((c) => [c.id, c]));
  return json(
    ctx.state.db.listOverlays(account.id).map((o) => ({
      overlay_id: o.id,
      name: o.name,
      internal_subnet: clusters.get(o.clusterId)?.subnet ?? null,
      cluster_id: o.clusterId,
      instances: o.instanceIds,
    })),
  );
};

/** `PUT /api/v0/overlay/` `{"name", "instance_id"}` → `{"msg"}`; the instance's machine must be in the overlay's cluster. */
export const joinOverlay: Handler = (ctx) => {
  const { name, instance_id } = parseBody(JoinOverlayBody, ctx.body);
  const account = callerAccount(ctx);
  const overlay = ctx.state.db.listOverlays(account.id).find((o) => o.name === name);
  if (!overlay) throw apiError(404, "not_found", `Overlay ${name} not found`);
  const instance = ctx.state.db.getInstance(instance_id);
  if (!instance) throw apiError(404, "no_such_instance", `Instance ${instance_id} not found`);
  const cluster = ctx.state.db.listClusters(account.id).find((c) => c.id === overlay.clusterId);
  if (!cluster?.machines.some((m) => m.machineId === Number(instance.offer["machine_id"])))
    throw apiError(400, "invalid_args", `Instance ${instance_id} is not on a machine of cluster ${overlay.clusterId}`);
  ctx.state.db.joinOverlay(overlay.id, instance_id);
  return json({ success: true, msg: `Added instance ${instance_id} to overlay ${name}` });
};

/** `DELETE /api/v0/overlay/` `{"overlay_id"}` or `{"overlay_name"}` → `{"msg"}`; member instances are detached, not destroyed. */
export const deleteOverlay: Handler = (ctx) => {
  const { overlay_id, overlay_name } = parseBody(DeleteOverlayBody, ctx.body);
  const overlay = ctx.state.db
    .listOverlays(callerAccount(ctx).id)
    .find((o) => (overlay_id !== undefined && overlay_id !== null ? o.id === overlay_id : o.name === overlay_name));
  if (!overlay) throw apiError(404, "not_found", `Overlay ${overlay_id ?? overlay_name} not found`);
  ctx.state.db.deleteOverlay(overlay.id);
  return json({ success: true, msg: `Deleted overlay ${overlay.name}` });
};

/**
 * The overlay an instance create names with the env key `-n <name>` (the CLI's `--env "-n ov"`,
 * §5.2), checked as `PUT /overlay/` checks a join; null when none is named.
 */
export function overlayAtCreate(ctx: RequestContext, env: Record<string, unknown>, machineId: number, askId: number): number | null {
  const name = Object.keys(env)
    .map((key) => /^-n\s+(\S+)$/.exec(key)?.[1])
    .find((n) => n !== undefined);
  if (name === undefined) return null;
  const account = callerAccount(ctx);
  const overlay = ctx.state.db.listOverlays(account.id).find((o) => o.name === name);
  if (!overlay) throw apiError(400, "invalid_args", `Overlay ${name} not found`, { ask_id: askId });
  const cluster = ctx.state.db.listClusters(account.id).find((c) => c.id === overlay.clusterId);
  if (!cluster?.machines.some((m) => m.machineId === machineId))
    throw apiError(
      400,
      "invalid_args",
      `Offer ${askId} is not on a machine of cluster ${overlay.clusterId}, which overlay ${name} runs on`,
      {
        ask_id: askId,
      },
    );
  return overlay.id;
}
