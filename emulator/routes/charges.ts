/**
 * `GET /api/v0/charges/` (vast-api-more.md §6, §9 item 13): what the account's instances have
 * cost, from rented time (billing.ts), in the v1 billing envelope `{success, count, total,
 * next_token, results}`. Both bounds of the `day` filter are required (epoch seconds); a row
 * is selected when its UTC day overlaps them [I]. `type` filters with `eq`/`in`; `latest_first`
 * orders newest first; `limit` (default 20) is capped at the server's 500; paging is through an
 * opaque `next_token`, sent back as `after_token`.
 */
import { instanceCharges } from "../billing.ts";
import { type Handler, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { checkFilters, jsonQueryParam, matchesFilters } from "../query.ts";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;
const DAY_SECONDS = 86_400;
/** The filter keys charges know; anything else is a 400, not a silently wider answer. */
const FILTER_KEYS = new Set(["day", "type", "source"]);

function bound(value: unknown): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ values: { offset } })).toString("base64url");
}

function decodeToken(token: string): number {
  try {
    const offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { values?: { offset?: unknown } }).values?.offset;
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the invalid_token answer.
  }
  throw apiError(400, "invalid_token", "Invalid after_token");
}

/** `GET /api/v0/charges/?select_filters={"day":{"gte":S,"lte":E},…}&latest_first=&limit=&after_token=&format=`. */
export const listCharges: Handler = (ctx) => {
  const filters = checkFilters(jsonQueryParam(ctx.query, "select_filters", {}));
  const unknown = Object.keys(filters).find((key) => !FILTER_KEYS.has(key));
  if (unknown !== undefined) throw apiError(400, "invalid_request", `Error in query parameters: ${unknown} is not a valid filter`);
  const from = bound(filters["day"]?.["gte"]);
  const to = bound(filters["day"]?.["lte"]);
  if (from === undefined || to === undefined) {
    throw apiError(400, "invalid_request", "select_filters.day needs both gte and lte (epoch seconds)");
  }
  const format = ctx.query.get("format") ?? "table";
  if (format !== "table" && format !== "tree") throw apiError(400, "invalid_request", `format must be table or tree, not ${format}`);
  const rawLimit = Number.parseInt(ctx.query.get("limit") ?? String(DEFAULT_LIMIT), 10);
  const limit = Number.isNaN(rawLimit) || rawLimit <= 0 ? DEFAULT_LIMIT : Math.min(rawLimit, MAX_LIMIT);
  const latestFirst = ctx.query.get("latest_first") === "true";

  const { day: _day, ...rest } = filters;
  const rows = ctx.state.db
    .billedInstances()
    .flatMap((billed) => instanceCharges(billed, ctx.now))
    .filter((row) => {
      const day = Math.floor(row.start / DAY_SECONDS) * DAY_SECONDS;
      return day + DAY_SECONDS > from && day <= to && matchesFilters(row as unknown as Record<string, unknown>, rest);
    })
    .sort((a, b) => (latestFirst ? b.start - a.start : a.start - b.start) || (a.source ?? "").localeCompare(b.source ?? ""));
  const token = ctx.query.get("after_token");
  const offset = token ? decodeToken(token) : 0;
  const page = rows.slice(offset, offset + limit);
  return json({
    success: true,
    count: page.length,
    total: rows.length,
    next_token: offset + page.length < rows.length ? encodeToken(offset + page.length) : null,
    results: page,
  });
};
