/**
 * A workergroup's offer filter as `search_params` (vast-api-more.md §3.4): the `/bundles/`-shaped
 * filter the rest of the kit uses (offer-query.ts), written in the CLI's offer query language,
 * which is what `vastai create workergroup` sends and the autoscaler reads. The CLI's defaults
 * (verified, rentable, not rented) come first unless the filter names those fields. Pure: no I/O.
 */
import type { OfferFilter } from "./offer-query.ts";

/** Fields the CLI's language gives in bigger units than the API (GB for MB, days for seconds): its `offers_mult`. */
const CLI_UNITS: Readonly<Record<string, number>> = { cpu_ram: 1000, gpu_ram: 1000, gpu_total_ram: 1000, duration: 86_400 };

const SYMBOLS: Readonly<Record<string, string>> = {
  eq: "=",
  neq: "!=",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  in: " in ",
  notin: " notin ",
};

/** What the CLI appends unless told `-n` (§3.5). */
const CLI_DEFAULTS: OfferFilter = { verified: { eq: true }, rentable: { eq: true }, rented: { eq: false } };

/** Why a value cannot be written in the query language, or undefined when it can. */
function valueProblem(value: unknown): string | undefined {
  if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return undefined;
  if (typeof value !== "string") return "must be a string, a finite number or a boolean";
  // The CLI reads `_` as a space and splits on whitespace, commas and brackets.
  if (!/^[^\s_,[\]"]+( [^\s_,[\]"]+)*$/.test(value))
    return "must be non-empty, without underscores, commas, brackets, quotes or doubled spaces";
  return undefined;
}

function word(field: string, value: unknown): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(field in CLI_UNITS ? value / CLI_UNITS[field]! : value);
  return String(value).replaceAll(" ", "_");
}

/** Every value of `filter` that cannot be written, as `[path, reason]`; empty when all can. */
export function searchParamsProblems(filter: OfferFilter): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  for (const [field, ops] of Object.entries(filter)) {
    if (!/^[a-zA-Z0-9_]+$/.test(field)) problems.push([field, "a field name is letters, digits and underscores"]);
    for (const [op, value] of Object.entries(ops)) {
      const values = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && value.length === 0) problems.push([`${field}.${op}`, "needs at least one value"]);
      for (const v of values) {
        const problem = valueProblem(v);
        if (problem) problems.push([`${field}.${op}`, problem]);
      }
    }
  }
  return problems;
}

/** `search_params` for `filter`, the CLI's defaults first: `verified=True rentable=True rented=False gpu_name=RTX_4090 gpu_ram>=24`. */
export function toSearchParams(filter: OfferFilter): string {
  const merged: OfferFilter = { ...CLI_DEFAULTS, ...filter };
  return Object.entries(merged)
    .flatMap(([field, ops]) =>
      Object.entries(ops).map(([op, value]) => {
        const text = Array.isArray(value) ? `[${value.map((v) => word(field, v)).join(",")}]` : word(field, value);
        return `${field}${SYMBOLS[op]}${text}`;
      }),
    )
    .join(" ");
}
