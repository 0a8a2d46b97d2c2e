/**
 * Turns a catalogue offer into the row a search returns: the query-dependent prices
 * (`dph_total` from the storage asked for, bid vs on-demand vs reserved, vast-api.md §3.1) and the
 * derived performance-per-dollar fields the CLI's table prints.
 */
import type { CatalogOffer } from "./catalog.ts";

/** Pricing mode of a search (`type`); `ondemand` is folded into `on-demand`. */
export type PricingMode = "on-demand" | "bid" | "reserved";

const HOURS_PER_MONTH = 730;
/** Reserved offers are shown with the best prepay discount. */
const RESERVED_DISCOUNT = 0.4;

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A priced offer row, as `POST /bundles/` returns it. */
export type PricedOffer = Record<string, unknown> & { id: number; dph_total: number };

/**
 * Prices `offer` for `allocatedStorage` GB in `mode`. Bids are priced at `min_bid` (§3.1, G2b);
 * `dph_total` is the GPU price plus the storage share, both in $/h.
 */
export function priceOffer(offer: CatalogOffer, mode: PricingMode, allocatedStorage: number, nowSeconds: number): PricedOffer {
  const gpuCostPerHour = mode === "bid" ? offer.min_bid : offer.dph_base;
  const diskHour = (offer.storage_cost * allocatedStorage) / HOURS_PER_MONTH;
  const dphTotal = round(gpuCostPerHour + diskHour, 6);
  const discounted = round(dphTotal * (1 - RESERVED_DISCOUNT), 6);
  const effective = mode === "reserved" ? discounted : dphTotal;
  const dlperf = Number(offer["dlperf"]);
  const totalFlops = Number(offer["total_flops"]);
  const breakdown = {
    gpuCostPerHour: round(gpuCostPerHour, 6),
    diskHour: round(diskHour, 6),
    totalHour: dphTotal,
    discountTotalHour: round(dphTotal - discounted, 6),
    discountedTotalPerHour: discounted,
  };
  return {
    ...offer,
    dph_total: dphTotal,
    discounted_dph_total: discounted,
    is_bid: mode === "bid",
    storage_total_cost: round(diskHour, 6),
    vram_costperhour: round(gpuCostPerHour / (Number(offer["gpu_total_ram"]) / 1000), 6),
    dlperf_per_dphtotal: round(dlperf / effective, 3),
    flops_per_dphtotal: round(totalFlops / effective, 3),
    score: round((dlperf / effective) * Number(offer["reliability"]), 3),
    start_date: nowSeconds,
    end_date: nowSeconds + Number(offer["duration"]),
    search: breakdown,
    instance: breakdown,
  };
}
