/**
 * The autoscaler host's calls (vast-api-more.md §3.6), which the real service answers at
 * run.vast.ai without `/api/v0`; the CLI sends them to `--url` when it is not the default, so the
 * emulator serves them at its root: workers per endpoint or workergroup, logs, rolling updates.
 */
import { reconcileEndpoint, rollWorkers, workerRows } from "../autoscaler.ts";
import { type Handler, type RequestContext, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { parseBody } from "../schemas.ts";
import { AutoscalerBody } from "../serverless-schemas.ts";

function notFound(what: string, id: unknown): never {
  throw apiError(400, "invalid_args", `authenticate_endpoint_apikey: invalid api_key or ${what} ${String(id)} not found`);
}

function requireEndpointId(ctx: RequestContext): number {
  const body = parseBody(AutoscalerBody, ctx.body);
  const endpoint = ctx.state.db
    .listEndpoints()
    .find((e) => (body.id !== null && body.id !== undefined ? e.id === body.id : e.fields["endpoint_name"] === body.endpoint));
  return endpoint ? endpoint.id : notFound("endpoint", body.id ?? body.endpoint);
}

/** `POST /get_endpoint_workers/` `{"id"}` → a bare list of workers (`idle` once their instance runs). */
export const endpointWorkers: Handler = (ctx) => {
  const endpointId = requireEndpointId(ctx);
  // Workers destroyed behind the autoscaler's back are replaced when it next looks.
  reconcileEndpoint(ctx, endpointId);
  return json(workerRows(ctx, { endpointId }));
};

/** `POST /get_workergroup_workers/` `{"id"}` → `{"workers": [...]}`. */
export const workergroupWorkers: Handler = (ctx) => {
  const body = parseBody(AutoscalerBody, ctx.body);
  const group = body.id === null || body.id === undefined ? undefined : ctx.state.db.getWorkergroup(body.id);
  if (!group) return notFound("workergroup", body.id);
  reconcileEndpoint(ctx, group.endpointId);
  return json({ workers: workerRows(ctx, { workergroupId: group.id }) });
};

function logs(lines: string[]): Record<string, string> {
  const text = lines.join("\n");
  // The CLI reads the level keys; the docs show `logs` (§10 "Logs request"): all five.
  return { info0: text, info1: text, trace: text, debug: text, logs: text };
}

/** `POST /get_endpoint_logs/` `{"id", "tail"?}` or `{"endpoint": name}` → the five log keys. */
export const endpointLogs: Handler = (ctx) => {
  const endpointId = requireEndpointId(ctx);
  const rows = workerRows(ctx, { endpointId }) as Array<Record<string, unknown>>;
  return json(logs(rows.map((w) => `worker ${String(w["id"])} ${String(w["status"])}`)));
};

/** `POST /get_autogroup_logs/` `{"id"}` → the five log keys. */
export const workergroupLogs: Handler = (ctx) => {
  const body = parseBody(AutoscalerBody, ctx.body);
  const group = body.id === null || body.id === undefined ? undefined : ctx.state.db.getWorkergroup(body.id);
  if (!group) return notFound("workergroup", body.id);
  const rows = workerRows(ctx, { workergroupId: group.id }) as Array<Record<string, unknown>>;
  return json(logs(rows.map((w) => `worker ${String(w["id"])} ${String(w["status"])}`)));
};

/** `POST /update_workers/` `{"workergroup_id", "cancel_update"?}`: replaces every worker at once (no update stays in progress to cancel). */
export const updateWorkers: Handler = (ctx) => {
  const body = parseBody(AutoscalerBody, ctx.body);
  const group =
    body.workergroup_id === null || body.workergroup_id === undefined ? undefined : ctx.state.db.getWorkergroup(body.workergroup_id);
  if (!group) return json({ success: false, error_msg: `workergroup ${String(body.workergroup_id)} not found` });
  if (body.cancel_update) return json({ success: true, cancelled: false });
  return json({ success: true, workers_to_update: rollWorkers(ctx, group) });
};
