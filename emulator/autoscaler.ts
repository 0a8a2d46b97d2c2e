/**
 * The emulated autoscaler (vast-api-more.md §3.1, §9 item 5). Vast's runs at run.vast.ai and rents
 * ordinary instances ("workers") on the user's account to meet each endpoint's targets; this one
 * runs synchronously after every change to an endpoint or workergroup, and when workers are asked
 * for. An active endpoint keeps `cold_workers` workers (at most `max_workers`), shared among its
 * workergroups in id order; a `suspended` or `stopped` endpoint is not scaled. Workers are rented
 * through the same create as `PUT /asks/{id}/` (so Docker mode runs them as containers), from the
 * cheapest unrented offers matching the workergroup's `search_params` (else its template's
 * `extra_filters`), and are destroyed with their workergroup or endpoint: nothing is left billing.
 */
import type { ApiResult, RequestContext } from "./context.ts";
import type { EndpointRecord, InstanceRecord, WorkergroupRecord } from "./db.ts";
import { ApiError } from "./errors.ts";
import { FaultInjector } from "./faults.ts";
import { parseLaunchArgs } from "./launch-args.ts";
import { instanceView } from "./instance-view.ts";
import { priceOffer } from "./offer-pricing.ts";
import { type Filters, matchesFilters, sortRecords } from "./query.ts";
import { createInstance } from "./routes/asks.ts";
import { searchFilters } from "./search-params.ts";

/** The label every worker carries, so `vastai show instances` tells them apart. */
export function workerLabel(group: WorkergroupRecord): string {
  return `serverless endpoint ${group.endpointId} workergroup ${group.id}`;
}

/** The template a workergroup launches from, by `template_hash` or `template_id`; undefined when neither resolves. */
export function workergroupTemplate(
  ctx: RequestContext,
  fields: Record<string, unknown>,
): { hashId: string; content: Record<string, unknown> } | undefined {
  const { db } = ctx.state;
  if (typeof fields["template_hash"] === "string" && fields["template_hash"]) {
    const version = db.findTemplateVersion(fields["template_hash"]);
    return version && { hashId: fields["template_hash"], content: version.content };
  }
  if (typeof fields["template_id"] === "number") {
    const template = db.getTemplate(fields["template_id"]);
    return template && !template.deleted ? { hashId: template.hashId, content: template.content } : undefined;
  }
  return undefined;
}

/** The filters a workergroup rents with: its `search_params`, else its template's `extra_filters`. */
function filtersOf(ctx: RequestContext, group: WorkergroupRecord): Filters {
  const params = group.fields["search_params"];
  if (params !== null && params !== undefined && params !== "") return searchFilters(params);
  const extra = workergroupTemplate(ctx, group.fields)?.content["extra_filters"];
  return extra ? searchFilters(extra) : {};
}

/** Ids of the workers still alive, per workergroup; rows of workers destroyed elsewhere are dropped. */
function liveWorkers(ctx: RequestContext): Map<number, number[]> {
  const { db } = ctx.state;
  const byGroup = new Map<number, number[]>();
  for (const worker of db.listWorkers()) {
    if (!db.getInstance(worker.instanceId)) {
      db.deleteWorker(worker.instanceId);
      continue;
    }
    byGroup.set(worker.workergroupId, [...(byGroup.get(worker.workergroupId) ?? []), worker.instanceId]);
  }
  return byGroup;
}

/** Destroys a worker instance (and its container); returns its id. */
export function destroyWorker(ctx: RequestContext, instanceId: number): number {
  ctx.state.db.deleteWorker(instanceId);
  if (ctx.state.db.getInstance(instanceId)) {
    ctx.state.db.destroyInstance(instanceId, ctx.now);
    ctx.state.containers?.run("destroy", instanceId);
  }
  return instanceId;
}

/** Destroys every worker of a workergroup; returns their ids. */
export function destroyWorkers(ctx: RequestContext, workergroupId: number): number[] {
  return (liveWorkers(ctx).get(workergroupId) ?? []).map((id) => destroyWorker(ctx, id));
}

/**
 * The faults the autoscaler's rents see: a lost answer and an offer taken on rent are meant for
 * API clients (and a dropped answer would leave the worker unrecorded); dying while loading
 * happens to any instance.
 */
class WorkerFaults extends FaultInjector {
  readonly #inner: FaultInjector;

  constructor(inner: FaultInjector) {
    super();
    this.#inner = inner;
  }

  override takeDieWhileLoading(): boolean {
    return this.#inner.takeDieWhileLoading();
  }
}

/** Rents one worker for `group`; false when no offer could be rented. */
function rentWorker(ctx: RequestContext, group: WorkergroupRecord, tried: Set<number>): boolean {
  const template = workergroupTemplate(ctx, group.fields);
  if (!template) return false;
  const launch = parseLaunchArgs(group.fields["launch_args"] as string | null | undefined);
  const disk = launch.disk ?? Number(template.content["recommended_disk_space"] ?? 16);
  const rented = ctx.state.db.rentedOfferIds();
  const nowSeconds = ctx.now / 1000;
  const filters = filtersOf(ctx, group);
  const offers = ctx.state.catalog.offers
    .filter((offer) => !rented.has(offer.id) && !tried.has(offer.id))
    .map((offer) => priceOffer(offer, "on-demand", disk, nowSeconds))
    .filter((offer) => matchesFilters(offer, filters, true));
  for (const offer of sortRecords(offers, [{ field: "dph_total", desc: false }]).slice(0, 5)) {
    const id = Number(offer["id"]);
    tried.add(id);
    const body = {
      client_id: "me",
      template_hash_id: template.hashId,
      label: workerLabel(group),
      disk,
      ...(launch.image ? { image: launch.image } : {}),
      ...(launch.env ? { env: launch.env } : {}),
      ...(launch.onstart ? { onstart: launch.onstart } : {}),
    };
    let answer: ApiResult;
    try {
      answer = createInstance({
        ...ctx,
        state: { ...ctx.state, faults: new WorkerFaults(ctx.state.faults) },
        params: { id: String(id) },
        body,
      });
    } catch (error) {
      if (error instanceof ApiError) continue;
      throw error;
    }
    const instanceId = answer.kind === "json" ? Number((answer.body as { new_contract?: unknown }).new_contract) : Number.NaN;
    if (!Number.isInteger(instanceId)) continue;
    ctx.state.db.insertWorker({ instanceId, workergroupId: group.id, endpointId: group.endpointId });
    return true;
  }
  return false;
}

/** How many workers each workergroup of `endpoint` should have. */
function targets(endpoint: EndpointRecord, groups: WorkergroupRecord[]): Map<number, number> {
  const total = Math.max(0, Math.min(Number(endpoint.fields["cold_workers"] ?? 0), Number(endpoint.fields["max_workers"] ?? 0)));
  return new Map(groups.map((group, i) => [group.id, Math.floor(total / groups.length) + (i < total % groups.length ? 1 : 0)]));
}

/** Brings the workers of every workergroup of endpoint `endpointId` to its targets (see the module comment). */
export function reconcileEndpoint(ctx: RequestContext, endpointId: number): void {
  const endpoint = ctx.state.db.getEndpoint(endpointId);
  if (!endpoint || (endpoint.fields["endpoint_state"] ?? "active") !== "active") return;
  const groups = ctx.state.db.listWorkergroups().filter((group) => group.endpointId === endpointId);
  const want = targets(endpoint, groups);
  const live = liveWorkers(ctx);
  for (const group of groups) {
    const workers = live.get(group.id) ?? [];
    const target = want.get(group.id) ?? 0;
    for (const id of workers.slice(target).reverse()) destroyWorker(ctx, id);
    const tried = new Set<number>();
    for (let have = workers.length; have < target; have++) if (!rentWorker(ctx, group, tried)) break;
  }
}

/** Replaces every worker of a workergroup (a rolling update, §3.4); returns how many were replaced. */
export function rollWorkers(ctx: RequestContext, group: WorkergroupRecord): number {
  const replaced = destroyWorkers(ctx, group.id).length;
  ctx.state.db.countRollingUpdate(group.id);
  reconcileEndpoint(ctx, group.endpointId);
  return replaced;
}

/** The workers of an endpoint or one workergroup, as `get_endpoint_workers` lists them (§3.6). */
export function workerRows(ctx: RequestContext, match: { endpointId?: number; workergroupId?: number }): unknown[] {
  liveWorkers(ctx);
  return ctx.state.db
    .listWorkers()
    .filter(
      (w) =>
        (match.endpointId === undefined || w.endpointId === match.endpointId) &&
        (match.workergroupId === undefined || w.workergroupId === match.workergroupId),
    )
    .flatMap((worker) => {
      const record = ctx.state.db.getInstance(worker.instanceId);
      return record ? [{ worker, record }] : [];
    })
    .map(({ worker, record }) => workerRow(ctx, worker.workergroupId, record));
}

/** The autoscaler's lower-case worker status for an instance's `actual_status` (§3.6): `idle` follows `running`. */
const WORKER_STATUS: Readonly<Record<string, string>> = {
  running: "idle",
  loading: "loading",
  created: "loading",
  stopped: "stopped",
  exited: "error",
};

function workerRow(ctx: RequestContext, workergroupId: number, record: InstanceRecord): Record<string, unknown> {
  const view = instanceView(record, ctx.now);
  const actual = String(view["actual_status"] ?? "");
  const status = WORKER_STATUS[actual] ?? "creating";
  const dlperf = Number(record.offer["dlperf"] ?? 0);
  return {
    id: record.id,
    workergroup_id: workergroupId,
    status,
    gpu_name: view["gpu_name"] ?? null,
    // A placeholder until the worker is ready, as the real autoscaler reports it (§3.6).
    measured_perf: status === "idle" ? dlperf : dlperf / 10,
    url: status === "idle" ? `http://${String(view["public_ipaddr"])}:${String(record.config.sshPort)}` : "",
    created_at: record.createdAt,
  };
}
