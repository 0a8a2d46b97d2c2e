/**
 * Serverless workergroups, `/api/v0/autojobs/` and its documented twin `/api/v0/workergroups/`
 * (vast-api-more.md §3.4, §3.5, §9 item 4): one store for both paths. Create needs an endpoint that
 * resolves, a template and the `search_params` key; update merges non-null fields, and a template
 * or `launch_args` change replaces the workers (a rolling update); delete destroys the workers.
 */
import { randomBytes } from "node:crypto";
import { destroyWorkers, reconcileEndpoint, rollWorkers, workergroupTemplate } from "../autoscaler.ts";
import { ACCOUNT, type Handler, type RequestContext, json } from "../context.ts";
import type { EndpointRecord, WorkergroupRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { parseLaunchArgs } from "../launch-args.ts";
import { parseBody } from "../schemas.ts";
import { searchFilters } from "../search-params.ts";
import { WORKERGROUP_FIELDS, type WorkergroupBody, WorkergroupBody as WorkergroupBodySchema } from "../serverless-schemas.ts";
import { idParam } from "./instances.ts";

/** The endpoint a body names, by id first, then by name; undefined when it names none. */
function endpointOf(ctx: RequestContext, body: WorkergroupBody): EndpointRecord | undefined {
  const endpoints = ctx.state.db.listEndpoints();
  if (body.endpoint_id !== null && body.endpoint_id !== undefined) return endpoints.find((e) => e.id === body.endpoint_id);
  if (body.endpoint_name) return endpoints.find((e) => e.fields["endpoint_name"] === body.endpoint_name);
  return undefined;
}

/** 400 before anything is stored when the template, the query or the launch arguments cannot be used. */
function checkFields(ctx: RequestContext, fields: Record<string, unknown>): void {
  if (!workergroupTemplate(ctx, fields))
    throw apiError(400, "invalid_args", "Please give a template_hash or template_id of a template that exists");
  searchFilters(fields["search_params"]);
  parseLaunchArgs(fields["launch_args"] as string | null | undefined);
}

function merged(base: Record<string, unknown>, body: WorkergroupBody): Record<string, unknown> {
  const fields = { ...base };
  for (const key of WORKERGROUP_FIELDS) {
    const value = body[key];
    if (value !== null && value !== undefined) fields[key] = value;
  }
  // A new template hash or id names the template alone: the other key no longer applies.
  if (body.template_hash) fields["template_id"] = body.template_id ?? null;
  else if (body.template_id !== null && body.template_id !== undefined) fields["template_hash"] = null;
  return fields;
}

/** A workergroup as the list shows it; the stored query under both names it is known by (§3.4). */
export function workergroupRow(group: WorkergroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    endpoint_id: group.endpointId,
    ...group.fields,
    search_query: group.fields["search_params"],
    rolling_update: group.rollingUpdates,
    api_key: group.apiKey,
    user_id: ACCOUNT.id,
    created_at: group.createdAt,
  };
}

/** `POST /api/v0/autojobs/` (or `/workergroups/`) → `{"success": true, "id": id, "result": id}` (both keys, §10). */
export const createWorkergroup: Handler = (ctx) => {
  const body = parseBody(WorkergroupBodySchema, ctx.body);
  const endpoint = endpointOf(ctx, body);
  if (!endpoint) throw apiError(400, "invalid_args", "Please assign your workergroup to a valid endpoint identifier");
  if (body.search_params === undefined) throw apiError(400, "invalid_args", "search_params is required (it may be empty)");
  const base: Record<string, unknown> = Object.fromEntries(WORKERGROUP_FIELDS.map((key) => [key, null]));
  const fields = {
    ...merged(base, body),
    endpoint_name: endpoint.fields["endpoint_name"],
    autoscaler_instance: body.autoscaler_instance ?? "prod",
  };
  checkFields(ctx, fields);
  const group = ctx.state.db.insertWorkergroup(endpoint.id, fields, randomBytes(24).toString("hex"), ctx.now / 1000);
  reconcileEndpoint(ctx, endpoint.id);
  return json({ success: true, id: group.id, result: group.id });
};

/** `GET /api/v0/autojobs/` → `{"success": true, "results": [...]}`. */
export const listWorkergroups: Handler = (ctx) => {
  const results = ctx.state.db.listWorkergroups().map(workergroupRow);
  if (results.length === 0 && ctx.state.faults.takeEmptyServerlessListAs400())
    throw apiError(400, "invalid_args", "No workergroups for user found");
  return json({ success: true, results });
};

/** `PUT /api/v0/autojobs/{id}/`: non-null fields replace; a template or launch change rolls the workers → `{"success": true}`. */
export const updateWorkergroup: Handler = (ctx) => {
  const id = idParam(ctx);
  const group = Number.isNaN(id) ? undefined : ctx.state.db.getWorkergroup(id);
  if (!group) throw apiError(400, "invalid_args", "Workgroup not found for user");
  const body = parseBody(WorkergroupBodySchema, ctx.body);
  const moved = body.endpoint_id !== null && body.endpoint_id !== undefined && body.endpoint_id !== group.endpointId;
  if (moved || (body.endpoint_name && body.endpoint_name !== group.fields["endpoint_name"]))
    throw apiError(400, "invalid_args", "A workergroup cannot move to another endpoint; create a new one");
  const fields = merged(group.fields, body);
  checkFields(ctx, fields);
  ctx.state.db.setWorkergroupFields(group.id, fields);
  const before = workergroupTemplate(ctx, group.fields)?.hashId;
  const rolled = before !== workergroupTemplate(ctx, fields)?.hashId || group.fields["launch_args"] !== fields["launch_args"];
  const updated = { ...group, fields };
  if (rolled) rollWorkers(ctx, updated);
  else reconcileEndpoint(ctx, group.endpointId);
  return json({ success: true });
};

/** `DELETE /api/v0/autojobs/{id}/` → `{"success", "deleted_workers", "failed_workers", "msg"}`; unknown → 404 `no_such_workergroup`. */
export const deleteWorkergroup: Handler = (ctx) => {
  const raw = ctx.params["id"] ?? "";
  const id = idParam(ctx);
  if (Number.isNaN(id)) throw apiError(400, "invalid_args", "Invalid autojob ID");
  const group = ctx.state.db.getWorkergroup(id);
  if (!group) throw apiError(404, "no_such_workergroup", "No workergroup by that id is available.", { id: raw });
  const deleted = destroyWorkers(ctx, group.id);
  ctx.state.db.deleteWorkergroup(group.id);
  reconcileEndpoint(ctx, group.endpointId);
  return json({
    success: true,
    deleted_workers: deleted,
    failed_workers: [],
    msg: `deleted workergroup ${group.id} and ${deleted.length} worker(s)`,
  });
};
