/**
 * What a user asks for when an instance picks its offer, as one zod schema (checked in the
 * instance's and template's `check`), and building the `/bundles/` query from it
 * (vast-api.md §3.1). Pure: no I/O.
 */
import { z } from "zod";

/** One field's conditions in the `/bundles/` operator shape, e.g. `{gte: 1}`. */
const FilterOperators = z
  .strictObject({
    eq: z.unknown(),
    neq: z.unknown(),
    gt: z.unknown(),
    gte: z.unknown(),
    lt: z.unknown(),
    lte: z.unknown(),
    in: z.array(z.unknown()),
    notin: z.array(z.unknown()),
  })
  .partial();

/** Offer filter in the `/bundles/` operator shape, e.g. `{gpu_name: {eq: "RTX 4090"}, num_gpus: {gte: 1}}`. */
export const OfferFilter = z.record(z.string(), FilterOperators);
export type OfferFilter = z.infer<typeof OfferFilter>;

/** Sort order in the `/bundles/` shape, e.g. `[["dph_total", "asc"]]`. */
const OfferOrder = z.array(z.tuple([z.string(), z.enum(["asc", "desc"])]));

/** How an instance picks its offer at create time. */
export const OfferCriteria = z.strictObject({
  /** Filter in the `/bundles/` shape. */
  filter: OfferFilter,
  /** Sort order; defaults to cheapest first (`[["dph_total", "asc"]]`). */
  order: OfferOrder.optional(),
  /** Highest acceptable `dph_total` in $/hour. Defaults to no cap. */
  maxPricePerHour: z.number().positive().optional(),
  /** How many offers to try, in order, when one is gone. Defaults to 3. */
  tries: z.number().int().min(1).max(20).optional(),
  /** `on-demand` (default) or `bid` (interruptible). */
  type: z.enum(["on-demand", "bid"]).optional(),
});
export type OfferCriteria = z.infer<typeof OfferCriteria>;

export const defaultOfferTries = 3;

/** The `/bundles/` body: defaults as the CLI sends them (verified, rentable, not external) unless overridden. */
export function buildOfferQuery(criteria: OfferCriteria, diskGb: number): Record<string, unknown> {
  const filter: OfferFilter = {
    verified: { eq: true },
    external: { eq: false },
    rentable: { eq: true },
    rented: { eq: false },
    ...criteria.filter,
  };
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

/** How a volume picks its volume offer at create time, or what a volume-offer lookup asks for. */
export const VolumeOfferCriteria = z.strictObject({
  /** Filter in the `/volumes/search/` shape (the `/bundles/` operators), e.g. `{geolocation: {in: ["US"]}}`. */
  filter: OfferFilter,
  /** Sort order; defaults to the CLI's `[["score", "desc"]]`. */
  order: OfferOrder.optional(),
  /** How many offers to try, in order, when one is gone. Defaults to 3. */
  tries: z.number().int().min(1).max(20).optional(),
});
export type VolumeOfferCriteria = z.infer<typeof VolumeOfferCriteria>;

/**
 * The `/volumes/search/` body with the CLI's defaults (verified, not external, `score` first;
 * vast-api.md §3.1 end) unless overridden; offers too small for `sizeGb` are left out.
 */
export function buildVolumeOfferQuery(criteria: VolumeOfferCriteria, sizeGb: number): Record<string, unknown> {
  const filter: OfferFilter = {
    verified: { eq: true },
    external: { eq: false },
    disk_space: { gte: Math.max(1, sizeGb) },
    ...criteria.filter,
  };
  return {
    ...filter,
    order: criteria.order ?? [["score", "desc"]],
    limit: criteria.tries ?? defaultOfferTries,
    allocated_storage: sizeGb,
  };
}
