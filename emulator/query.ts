/**
 * The server-side query evaluator shared by offer search, the v1 instance list and template
 * search: `{field: {op: value}}` filters (vast-api.md §3.1, §3.3.2, §3.5) and `[field, dir]` orders.
 */
import { apiError } from "./errors.ts";

/** Comparison operators the API accepts (§3.1 "Operators"). */
export const OPERATORS = ["eq", "neq", "gt", "gte", "lt", "lte", "in", "notin"] as const;
type Operator = (typeof OPERATORS)[number];

/** `{field: {op: value}}`, already stripped of reserved keys such as `order` and `limit`. */
export type Filters = Record<string, Record<string, unknown>>;

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const DOTTED_VERSION = /^\d+(\.\d+){1,2}$/;
const COUNTRY_CODE = /^[A-Z]{2}$/;

/** A dotted driver version as the CLI sends it in filters: `535.86.05` → 535086005 (§2.2). */
function paddedVersion(version: string): number {
  const [major = "0", minor = "0", patch = "0"] = version.split(".");
  return Number(major) * 1_000_000 + Number(minor) * 1000 + Number(patch);
}

/**
 * Brings a query value to the type of the stored value: the CLI sends numbers as strings
 * (`"0.98"`), and booleans may come as strings too (§3.1 "Value typing").
 */
function coerce(queryValue: unknown, stored: unknown): unknown {
  if (typeof stored === "number" && typeof queryValue === "string" && NUMERIC.test(queryValue.trim())) {
    return Number(queryValue);
  }
  if (typeof stored === "boolean") {
    if (queryValue === "true" || queryValue === "True" || queryValue === 1) return true;
    if (queryValue === "false" || queryValue === "False" || queryValue === 0) return false;
  }
  if (typeof stored === "string" && typeof queryValue === "number") return String(queryValue);
  return queryValue;
}

/** The value a record is compared on, given the query value (driver versions and countries need care). */
function comparable(field: string, stored: unknown, queryValue: unknown): unknown {
  if (field === "driver_version" && typeof stored === "string" && DOTTED_VERSION.test(stored)) {
    const asNumber = typeof queryValue === "number" || (typeof queryValue === "string" && NUMERIC.test(queryValue));
    if (asNumber) return paddedVersion(stored);
  }
  // Results say "Texas, US" while filters use "US" (§3.1): match on the trailing country code.
  if (field === "geolocation" && typeof stored === "string" && typeof queryValue === "string" && COUNTRY_CODE.test(queryValue)) {
    return stored.slice(stored.lastIndexOf(",") + 1).trim();
  }
  return stored;
}

function compareOne(field: string, op: Operator, stored: unknown, raw: unknown): boolean {
  if (op === "in" || op === "notin") {
    const list = Array.isArray(raw) ? raw : [raw];
    const found = list.some((item) => {
      const value = coerce(item, stored);
      return comparable(field, stored, value) === value || (value === null && stored === undefined);
    });
    return op === "in" ? found : !found;
  }
  const value = coerce(raw, stored);
  const left = comparable(field, stored, value);
  if (op === "eq") return left === value || (value === null && left === undefined);
  if (op === "neq") return !(left === value || (value === null && left === undefined));
  if (left === null || left === undefined || value === null || value === undefined) return false;
  if (typeof left !== typeof value) return false;
  const l = left as number | string;
  const r = value as number | string;
  if (op === "gt") return l > r;
  if (op === "gte") return l >= r;
  if (op === "lt") return l < r;
  return l <= r;
}

/** Throws a 400 `invalid_request` unless `filters` is `{field: {op: value}}` with known operators. */
export function checkFilters(filters: unknown): Filters {
  if (filters === null || typeof filters !== "object" || Array.isArray(filters)) {
    throw apiError(400, "invalid_request", "Error in query parameters: filters must be an object");
  }
  for (const [field, condition] of Object.entries(filters)) {
    if (condition === null || typeof condition !== "object" || Array.isArray(condition)) {
      throw apiError(400, "invalid_request", `Error in query parameters: ${field} must map operators to values`);
    }
    for (const op of Object.keys(condition)) {
      if (!(OPERATORS as readonly string[]).includes(op)) {
        throw apiError(400, "invalid_request", `Error in query parameters: unknown operator ${op} for ${field}`);
      }
    }
  }
  return filters as Filters;
}

/**
 * True when `record` satisfies every filter. Fields the record does not have are skipped when
 * `skipUnknownFields` is set (offer search ignores fields it does not know).
 */
export function matchesFilters(record: Record<string, unknown>, filters: Filters, skipUnknownFields = false): boolean {
  for (const [field, condition] of Object.entries(filters)) {
    if (skipUnknownFields && !(field in record)) continue;
    const stored = record[field];
    for (const [op, value] of Object.entries(condition)) {
      if (!compareOne(field, op as Operator, stored, value)) return false;
    }
  }
  return true;
}

/** One sort key: field and direction. Anything but `desc` sorts ascending (§3.3.2). */
export interface SortKey {
  field: string;
  desc: boolean;
}

/** Orders two values: nulls last, numbers numerically, everything else as strings. */
export function compareValues(a: unknown, b: unknown): number {
  const aMissing = a === null || a === undefined;
  const bMissing = b === null || b === undefined;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Sorts in place by `keys`, then by `id` ascending so every order is total. */
export function sortRecords<T extends Record<string, unknown>>(records: T[], keys: SortKey[]): T[] {
  return records.sort((x, y) => {
    for (const { field, desc } of keys) {
      const order = compareValues(x[field], y[field]);
      const eitherMissing = x[field] === null || x[field] === undefined || y[field] === null || y[field] === undefined;
      if (order !== 0) return desc && !eitherMissing ? -order : order;
    }
    return compareValues(x["id"], y["id"]);
  });
}

/**
 * Parses a JSON query parameter such as `select_filters` (§1.3: URLSearchParams has already
 * URL-decoded it). Not JSON is a 400 `invalid_request`, as [T] saw for a bare-string filter (§3.5).
 */
export function jsonQueryParam(query: URLSearchParams, name: string, fallback: unknown): unknown {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw apiError(400, "invalid_request", `Error in query parameters: ${name} is not valid JSON`);
  }
}
