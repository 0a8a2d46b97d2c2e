/**
 * A workergroup's `search_params` (vast-api-more.md §3.4) as offer filters. The CLI sends a string
 * in its offer query language (`gpu_ram>=23 num_gpus=2 gpu_name=RTX_4090 verified=True`), which
 * the autoscaler reads as `vastai search offers` does: `_` in a value is a space, `True`/`False`
 * are booleans, and RAM fields are in GB (×1000 to the API's MB). The docs also allow a filter
 * object in the `/bundles/` shape, which passes through as it is.
 */
import { apiError } from "./errors.ts";
import { type Filters, checkFilters } from "./query.ts";

const OPERATOR_NAMES: Readonly<Record<string, string>> = {
  ">=": "gte",
  ">": "gt",
  "<=": "lte",
  "<": "lt",
  "!=": "neq",
  "==": "eq",
  "=": "eq",
  gt: "gt",
  gte: "gte",
  lt: "lt",
  lte: "lte",
  eq: "eq",
  neq: "neq",
  in: "in",
  notin: "notin",
  nin: "notin",
};

/** Fields the CLI scales before sending (its `offers_mult`): GB to MB, days to seconds. */
const MULTIPLIERS: Readonly<Record<string, number>> = { cpu_ram: 1000, gpu_ram: 1000, gpu_total_ram: 1000, duration: 86_400 };

const TERM = /([a-zA-Z0-9_]+)\s*(>=|<=|!=|==|=|>|<|\s(?:gte?|lte?|eq|neq|notin|nin|in)\s)\s*(\[[^\]]*\]|"[^"]*"|[^\s]+)/y;

function scalar(field: string, raw: string): unknown {
  const value = raw.replace(/^"|"$/g, "");
  if (field in MULTIPLIERS) return Number(value) * MULTIPLIERS[field]!;
  if (value === "True" || value === "true") return true;
  if (value === "False" || value === "false") return false;
  return value.replaceAll("_", " ");
}

/** Parses `search_params` into filters, or throws the API's 400 `invalid_args` naming the unread text. */
export function searchFilters(searchParams: unknown): Filters {
  if (searchParams === null || searchParams === undefined) return {};
  if (typeof searchParams !== "string") return checkFilters(searchParams);
  const filters: Filters = {};
  const text = searchParams.trim();
  let at = 0;
  while (at < text.length) {
    TERM.lastIndex = at;
    const match = TERM.exec(text);
    if (!match) throw apiError(400, "invalid_args", `search_params: cannot read ${JSON.stringify(text.slice(at))}`);
    const [, field = "", op = "", raw = ""] = match;
    const name = OPERATOR_NAMES[op.trim()];
    if (!name) throw apiError(400, "invalid_args", `search_params: unknown operator ${JSON.stringify(op.trim())}`);
    const value =
      name === "in" || name === "notin"
        ? raw
            .replace(/^\[|\]$/g, "")
            .split(",")
            .map((part) => part.trim())
            .filter(Boolean)
            .map((part) => scalar(field, part))
        : scalar(field, raw);
    filters[field] = { ...filters[field], [name]: value };
    at = TERM.lastIndex;
    while (text[at] === " ") at++;
  }
  return filters;
}
