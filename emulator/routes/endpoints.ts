/**
 * Serverless endpoints, `/api/v0/endptjobs/` (vast-api-more.md §3.2, §3.3, §9 item 3): create with
 * the CLI's defaults, list, read one, update (a `null` keeps the stored value), delete (its
 * workergroups and their workers go with it). Every change runs the emulated autoscaler.
 */
import { randomBytes } from "node:crypto";
import { destroyWorkers, reconcileEndpoint } from "../autoscaler.ts";
import { ACCOUNT, type Handler, type RequestContext, json } from "../context.ts";
import type { EndpointRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { parseBody } from "../schemas.ts";
import { ENDPOINT_FIELDS, type EndpointBody, EndpointBody as EndpointBodySchema } from "../serverless-schemas.ts";
import { idParam } from "./instances.ts";

/** What `vastai create endpoint` sends when a flag is absent (§3.2 "CLI create default"). */
const CREATE_DEFAULTS: Readonly<Record<string, unknown>> = {
  min_load: 0,
  min_cold_load: 0,
  target_util: 0.9,
  cold_mult: 2.5,
  cold_workers: 5,
  max_workers: 20,
  autoscaler_instance: "prod",
  endpoint_state: "active",
};

/** The stored fields after applying the non-null fields of `body` over `base`. */
function merged(base: Record<string, unknown>, body: EndpointBody, keepAutoscaler: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...base };
  for (const key of ENDPOINT_FIELDS) {
    const value = body[key];
    if (value === null || value === undefined) continue;
    // `autoscaler_instance` is set at create only (§3.2): the CLI's update always sends "prod".
    if (key === "autoscaler_instance" && keepAutoscaler) continue;
    fields[key] = value;
  }
  return fields;
}

/** 400 `invalid_args` for the first field that breaks a rule; the real API's messages are not documented. */
function checkFields(fields: Record<string, unknown>): void {
  const name = fields["endpoint_name"];
  if (typeof name === "string" && (name.length === 0 || name.length > 255 || /[()$`;|&<>]/.test(name)))
    throw apiError(400, "invalid_args", "endpoint_name: 1 to 255 characters, without parentheses or shell characters");
  const util = Number(fields["target_util"]);
  if (!(util > 0 && util <= 1)) throw apiError(400, "invalid_args", "target_util must be above 0 and at most 1");
  for (const key of ["min_load", "min_cold_load", "cold_mult", "max_queue_time", "target_queue_time", "inactivity_timeout"]) {
    const value = fields[key];
    if (value !== null && value !== undefined && !(Number(value) >= 0)) throw apiError(400, "invalid_args", `${key} must be 0 or more`);
  }
  for (const key of ["cold_workers", "max_workers"]) {
    if (!(Number.isInteger(fields[key]) && Number(fields[key]) >= 0))
      throw apiError(400, "invalid_args", `${key} must be a whole number, 0 or more`);
  }
}

/** An endpoint as the list and the single read show it (§3.2 response-only fields included). */
export function endpointRow(endpoint: EndpointRecord): Record<string, unknown> {
  return {
    id: endpoint.id,
    ...endpoint.fields,
    api_key: endpoint.apiKey,
    user_id: ACCOUNT.id,
    created_at: endpoint.createdAt,
    auto_delete_in_seconds: null,
    auto_delete_due_24h: false,
  };
}

function requireEndpoint(ctx: RequestContext, notFound: string): EndpointRecord {
  const id = idParam(ctx);
  const endpoint = Number.isNaN(id) ? undefined : ctx.state.db.getEndpoint(id);
  if (!endpoint) throw apiError(400, "invalid_args", notFound);
  return endpoint;
}

/** `POST /api/v0/endptjobs/` → `{"success": true, "result": id, "id": id}` (both keys, §10). */
export const createEndpoint: Handler = (ctx) => {
  const body = parseBody(EndpointBodySchema, ctx.body);
  const base: Record<string, unknown> = Object.fromEntries(ENDPOINT_FIELDS.map((key) => [key, CREATE_DEFAULTS[key] ?? null]));
  const fields = merged(base, body, false);
  checkFields(fields);
  const endpoint = ctx.state.db.insertEndpoint(fields, randomBytes(24).toString("hex"), ctx.now / 1000);
  return json({ success: true, result: endpoint.id, id: endpoint.id });
};

/** `GET /api/v0/endptjobs/` → `{"success": true, "results": [...]}`; an empty account gets `[]` (§3.3). */
export const listEndpoints: Handler = (ctx) => {
  const results = ctx.state.db.listEndpoints().map(endpointRow);
  if (results.length === 0 && ctx.state.faults.takeEmptyServerlessListAs400())
    throw apiError(400, "invalid_args", "No endpoints for user found");
  return json({ success: true, results });
};

/** `GET /api/v0/endptjobs/{id}/` → `{"success": true, "result": {...}}` (the SDK's `fetch_endpoint`). */
export const showEndpoint: Handler = (ctx) =>
  json({ success: true, result: endpointRow(requireEndpoint(ctx, "Endpointgroup not found for user")) });

/** `PUT /api/v0/endptjobs/{id}/`: non-null fields replace, `null` keeps (§3.3) → `{"success": true}`. */
export const updateEndpoint: Handler = (ctx) => {
  const endpoint = requireEndpoint(ctx, "Endpointgroup not found for user");
  const fields = merged(endpoint.fields, parseBody(EndpointBodySchema, ctx.body), true);
  checkFields(fields);
  ctx.state.db.setEndpointFields(endpoint.id, fields);
  // Workergroups bound to the endpoint follow a rename (§3.2 "also moves the routing name").
  for (const group of ctx.state.db.listWorkergroups().filter((g) => g.endpointId === endpoint.id))
    ctx.state.db.setWorkergroupFields(group.id, { ...group.fields, endpoint_name: fields["endpoint_name"] });
  reconcileEndpoint(ctx, endpoint.id);
  return json({ success: true });
};

/** `DELETE /api/v0/endptjobs/{id}/`: the endpoint, its workergroups and their workers (docs behaviour, §3.3). */
export const deleteEndpoint: Handler = (ctx) => {
  const endpoint = requireEndpoint(ctx, "Routegroup not found for user");
  const deleted: number[] = [];
  for (const group of ctx.state.db.listWorkergroups().filter((g) => g.endpointId === endpoint.id)) {
    deleted.push(...destroyWorkers(ctx, group.id));
    ctx.state.db.deleteWorkergroup(group.id);
  }
  ctx.state.db.deleteEndpoint(endpoint.id);
  return json({
    success: true,
    deleted_workers: deleted,
    failed_workers: [],
    msg: `deleted endpoint ${endpoint.id} and ${deleted.length} worker(s)`,
  });
};
