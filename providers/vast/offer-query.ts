/**
 * Building the `/bundles/` query from what a user asks for (vast-api.md §3.1). Pure: no I/O.
 */

/** Filter operators Vast understands. */
export type FilterOperator = "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "in" | "notin";

/** Offer filter in the `/bundles/` operator shape, e.g. `{gpu_name: {eq: "RTX 4090"}, num_gpus: {gte: 1}}`. */
export type OfferFilter = Record<string, Partial<Record<FilterOperator, unknown>>>;

/** How an instance picks its offer at create time. */
export interface OfferCriteria {
  /** Filter in the `/bundles/` shape. */
  filter: OfferFilter;
  /** Sort order; defaults to cheapest first (`[["dph_total", "asc"]]`). */
  order?: Array<[string, "asc" | "desc"]>;
  /** Highest acceptable `dph_total` in $/hour. Defaults to no cap. */
  maxPricePerHour?: number;
  /** How many offers to try, in order, when one is gone. Defaults to 3. */
  tries?: number;
  /** `on-demand` (default) or `bid` (interruptible). */
  type?: "on-demand" | "bid";
}

export const defaultOfferTries = 3;

/** The `/bundles/` body: defaults as the CLI sends them (verified, rentable, not external) unless overridden. */
export function buildOfferQuery(criteria: OfferCriteria, diskGb: number): Record<string, unknown> {
  const filter: OfferFilter = { verified: { eq: true }, external: { eq: false }, rentable: { eq: true }, rented: { eq: false }, ...criteria.filter };
  if (criteria.maxPricePerHour !== undefined) {
    filter.dph_total = { ...filter.dph_total, lte: criteria.maxPricePerHour };
  }
  return {
    ...filter,
    order: criteria.order ?? [["dph_total", "asc"]],
    type: criteria.type ?? "on-demand",
    limit: criteria.tries ?? defaultOfferTries,
    allocated_storage: diskGb,
  };
}
