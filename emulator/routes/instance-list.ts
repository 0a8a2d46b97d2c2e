/**
 * The current instance list, `GET /api/v1/instances/` (vast-api.md §3.3.2): JSON query
 * parameters, filters on stored columns only, `order_by` with `id` as the tiebreaker, and keyset
 * paging through an opaque `next_token` of at most 25 rows a page.
 */
import { type Handler, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { type SortKey, checkFilters, jsonQueryParam, compareValues, matchesFilters, sortRecords } from "../query.ts";
import { listViews } from "./instances.ts";

const PAGE_MAX = 25;
/** Columns the real list computes rather than stores; filtering or sorting on them is a 400 (§3.3.2). */
const COMPUTED = new Set([
  "dph_total",
  "dph_base",
  "num_gpus",
  "duration",
  "storage_total_cost",
  "vram_costperhour",
  "dlperf_per_dphtotal",
  "flops_per_dphtotal",
  "score",
  "uptime_mins",
  "ports",
  "extra_env",
  "volume_info",
]);

function badKey(column: string) {
  return apiError(400, "invalid_request", `Error in query parameters: ${column} is not a valid search key`);
}

function sortKeysOf(orderBy: unknown): SortKey[] {
  if (!Array.isArray(orderBy)) throw apiError(400, "invalid_request", "Error in query parameters: order_by must be a list");
  const keys = orderBy.map((entry): SortKey => {
    const col = (entry as { col?: unknown } | null)?.col;
    if (typeof col !== "string") throw apiError(400, "invalid_request", "Error in query parameters: order_by entries need a col");
    return { field: col, desc: (entry as { dir?: unknown }).dir === "desc" };
  });
  return keys.some((key) => key.field === "id") ? keys : [...keys, { field: "id", desc: false }];
}

/** The keyset token: the sort values of the last row of a page. */
function encodeToken(values: unknown[]): string {
  return Buffer.from(JSON.stringify({ values })).toString("base64url");
}

function decodeToken(token: string, width: number): unknown[] {
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { values?: unknown };
    if (Array.isArray(decoded.values) && decoded.values.length === width) return decoded.values;
  } catch {
    // Falls through to the invalid_token answer.
  }
  throw apiError(400, "invalid_token", "Invalid after_token");
}

/** Compares a row's sort values with a token's, honouring each key's direction. */
function compareToToken(values: unknown[], token: unknown[], keys: SortKey[]): number {
  for (const [i, key] of keys.entries()) {
    const order = compareValues(values[i], token[i]);
    if (order !== 0) return key.desc ? -order : order;
  }
  return 0;
}

/** `GET /api/v1/instances/?select_filters=&order_by=&limit=&after_token=&select_cols=`. */
export const listInstancesV1: Handler = (ctx) => {
  const filters = checkFilters(jsonQueryParam(ctx.query, "select_filters", {}));
  const keys = sortKeysOf(jsonQueryParam(ctx.query, "order_by", [{ col: "id", dir: "asc" }]));
  const selectCols = jsonQueryParam(ctx.query, "select_cols", ["*"]);
  const rawLimit = Number.parseInt(ctx.query.get("limit") ?? String(PAGE_MAX), 10);
  const limit = Number.isNaN(rawLimit) ? PAGE_MAX : rawLimit <= 0 ? 5 : Math.min(rawLimit, PAGE_MAX);

  const views = listViews(ctx);
  const known = new Set(Object.keys(views[0] ?? { id: 0, label: null, actual_status: null }));
  for (const column of [...Object.keys(filters), ...keys.map((key) => key.field)]) {
    if (COMPUTED.has(column) || (views.length > 0 && !known.has(column))) throw badKey(column);
  }
  const matched = sortRecords(
    views.filter((view) => matchesFilters(view, filters)),
    keys,
  );
  const valuesOf = (view: Record<string, unknown>): unknown[] => keys.map((key) => view[key.field] ?? null);
  const token = ctx.query.get("after_token");
  const after = token ? decodeToken(token, keys.length) : null;
  const remaining = after ? matched.filter((view) => compareToToken(valuesOf(view), after, keys) > 0) : matched;
  const page = remaining.slice(0, limit);
  const last = page.at(-1);
  const labelCounts: Record<string, number> = {};
  for (const view of matched) {
    const label = typeof view["label"] === "string" ? view["label"] : "";
    labelCounts[label] = (labelCounts[label] ?? 0) + 1;
  }
  const columns = Array.isArray(selectCols) && !selectCols.includes("*") ? selectCols.map(String) : null;
  return json({
    success: true,
    instances_found: page.length,
    total_instances: matched.length,
    label_counts: labelCounts,
    next_token: remaining.length > page.length && last ? encodeToken(valuesOf(last)) : null,
    // Unknown columns come back as null (§3.3.2).
    instances: columns ? page.map((view) => Object.fromEntries(columns.map((col) => [col, view[col] ?? null]))) : page,
  });
};
