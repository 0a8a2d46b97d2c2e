/**
 * Per-instance actions under `/api/v0/instances/<action>/{id}/` (vast-api.md §3.4): reboot,
 * recycle, bid price and log requests, plus the log upload those point at (G13).
 */
import { type Handler, type RequestContext, json, text } from "../context.ts";
import type { InstanceRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { reboot, recycle } from "../instance-control.ts";
import { rebid } from "../outbid.ts";
import { BidPriceBody, LogsBody, parseBody } from "../schemas.ts";
import { idParam, requireInstance } from "./instances.ts";

/** `PUT /api/v0/instances/reboot/{id}/` → `{"success": true}`. */
export const rebootInstance: Handler = (ctx) => {
  reboot(ctx.state, requireInstance(ctx), ctx.now);
  return json({ success: true });
};

/** The instance for actions whose unknown id answers 404 `invalid_id` (logs, recycle: §5.3). */
function requireForAction(ctx: RequestContext): InstanceRecord {
  const id = idParam(ctx);
  const record = Number.isNaN(id) ? undefined : ctx.state.db.getInstance(id);
  if (!record) throw apiError(404, "invalid_id", "Invalid instance id.");
  return record;
}

/** `PUT /api/v0/instances/recycle/{id}/` → `{"success": true}`. */
export const recycleInstance: Handler = (ctx) => {
  recycle(ctx.state, requireForAction(ctx), ctx.now);
  return json({ success: true });
};

/** `PUT /api/v0/instances/bid_price/{id}/` `{"client_id": "me", "price": 0.25}` → `{"success": true}`. */
export const changeBid: Handler = (ctx) => {
  const { price } = parseBody(BidPriceBody, ctx.body);
  if (!(price >= 0.001 && price <= 128)) throw apiError(400, "invalid_price", "price must be between 0.001 and 128");
  rebid(ctx.state, requireInstance(ctx), price, ctx.now);
  return json({ success: true });
};

/** Plausible container (or daemon) log lines: one per state reached so far, plus the container's own start lines. */
function logLines(record: InstanceRecord, now: number, daemon: boolean): string[] {
  const stamp = (ms: number): string => new Date(ms).toISOString();
  const lines: string[] = [];
  for (const step of record.timeline) {
    if (step.at > now) break;
    if (daemon) {
      lines.push(`${stamp(step.at)} daemon: instance ${record.id} ${step.actual ?? "provisioning"}: ${step.status_msg ?? ""}`);
      continue;
    }
    lines.push(`${stamp(step.at)} ${step.status_msg ?? step.actual ?? "provisioning"}`);
    if (step.actual === "running") {
      lines.push(`${stamp(step.at)} Container started: ${record.config.image}`);
      if (record.config.onstart) lines.push(`${stamp(step.at)} Running onstart: ${record.config.onstart}`);
    }
  }
  return lines;
}

/** `PUT /api/v0/instances/request_logs/{id}/` `{"tail"?, "filter"?, "daemon_logs"?}` → `{"success", "result_url", "msg"}`. */
export const requestLogs: Handler = (ctx) => {
  const { tail, filter, daemon_logs: daemon } = parseBody(LogsBody, ctx.body);
  const record = requireForAction(ctx);
  const pick = (lines: string[]): string => {
    let picked = filter ? lines.filter((line) => line.includes(filter)) : lines;
    if (tail !== undefined && tail !== null && tail >= 0) picked = picked.slice(-tail);
    return picked.map((line) => `${line}\n`).join("");
  };
  // In Docker mode the upload is the container's own output; the daemon log stays the states reached.
  const text =
    ctx.state.containers && daemon !== true
      ? ctx.state.containers.logs(record.id).then((output) => pick(output === "" ? [] : output.replace(/\n$/, "").split("\n")))
      : pick(logLines(record, ctx.now, daemon === true));
  const file = ctx.state.logUploads.add(text, ctx.now);
  return json({
    success: true,
    result_url: `${ctx.state.baseUrl}/instance_logs/${file}`,
    msg: "Logs are being uploaded; GET result_url until it answers 200.",
  });
};

/** `GET /instance_logs/<file>`: 404 while the upload is pending, then the text (G13b). */
export const serveLogUpload: Handler = (ctx) => {
  const content = ctx.state.logUploads.get(ctx.params["file"] ?? "", ctx.now);
  if (content === undefined || content === "pending") {
    return text('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code></Error>', 404, "application/xml");
  }
  return text(content);
};
