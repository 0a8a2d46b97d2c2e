/**
 * Offer search (vast-api.md §3.1): `POST /api/v0/bundles/`, its experimental twin
 * `PUT /api/v0/search/asks/` (`{"select_cols", "q"}`), and volume-offer search (§3.8).
 */
import type { CatalogOffer } from "../catalog.ts";
import { type Handler, type RequestContext, json } from "../context.ts";
import { ApiError } from "../errors.ts";
import { type PricingMode, priceOffer } from "../offer-pricing.ts";
import { type Filters, OPERATORS, type SortKey, checkFilters, matchesFilters, sortRecords } from "../query.ts";

/** [3P] observed a hard cap of 64 rows whatever `limit` says (§3.1). */
const MAX_OFFERS = 64;

const INVALID_BODY = new ApiError(400, { error: "invalid_request", msg: "Invalid json body" });

/** A search body split into its parts. */
interface OfferQuery {
  filters: Filters;
  order: SortKey[];
  mode: PricingMode;
  limit: number;
  allocatedStorage: number;
}

function isCondition(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return Object.keys(value).every((op) => (OPERATORS as readonly string[]).includes(op));
}

/** Splits a flat query object into filters and the reserved keys (§3.1 "Body"). */
function parseOfferQuery(body: unknown, defaultStorage: number): OfferQuery {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw INVALID_BODY;
  const query = body as Record<string, unknown>;
  const filters: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    // SDK extras such as `target_reliability` or `sort_option` are not filters: skip them.
    if (isCondition(value)) filters[key] = value;
    else if (value !== null && typeof value === "object" && !Array.isArray(value) && key !== "q") {
      throw new ApiError(400, { success: false, error: "invalid_request", msg: `Error in query parameters: bad operator in ${key}` });
    }
  }
  const rawOrder = query["order"] ?? [["score", "desc"]];
  if (!Array.isArray(rawOrder)) throw INVALID_BODY;
  const order = rawOrder.map((entry): SortKey => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") throw INVALID_BODY;
    return { field: entry[0], desc: entry[1] === "desc" };
  });
  const type = query["type"];
  const mode: PricingMode = type === "bid" || type === "interruptible" ? "bid" : type === "reserved" ? "reserved" : "on-demand";
  const limit = Number(query["limit"] ?? MAX_OFFERS);
  const storage = Number(query["allocated_storage"] ?? defaultStorage);
  return {
    filters: checkFilters(filters),
    order,
    mode,
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(Math.floor(limit), MAX_OFFERS) : MAX_OFFERS,
    allocatedStorage: Number.isFinite(storage) && storage >= 0 ? storage : defaultStorage,
  };
}

/** Runs a query over the catalogue; rented offers never show (§4.6). */
function searchOffers(ctx: RequestContext, body: unknown): unknown[] {
  const query = parseOfferQuery(body, 5.0);
  const rented = ctx.state.db.rentedOfferIds();
  const nowSeconds = ctx.now / 1000;
  const rows = ctx.state.catalog.offers
    .filter((offer: CatalogOffer) => !rented.has(offer.id))
    .map((offer) => priceOffer(offer, query.mode, query.allocatedStorage, nowSeconds))
    .filter((offer) => matchesFilters(offer, query.filters, true));
  return sortRecords(rows, query.order).slice(0, query.limit);
}

/** `POST /api/v0/bundles/` → `{"offers": [...]}`. */
export const searchBundles: Handler = (ctx) => json({ offers: searchOffers(ctx, ctx.body) });

/** `PUT /api/v0/search/asks/` with `{"select_cols": [...], "q": {...}}` → `{"offers": [...]}`. */
export const searchAsks: Handler = (ctx) => {
  const body = ctx.body as Record<string, unknown> | null;
  if (body === null || typeof body !== "object") throw INVALID_BODY;
  return json({ offers: searchOffers(ctx, body["q"] ?? {}) });
};

/**
 * A storage-offer search (volume and network-volume offers share the query language and the
 * CLI's `allocated_storage` default of 1 GB): filters, order and limit over `offers`, each priced
 * for the storage asked for.
 */
export function searchStorageOffers(offers: ReadonlyArray<Record<string, unknown> & { storage_cost: number }>, body: unknown): unknown[] {
  const query = parseOfferQuery(body, 1.0);
  const rows = offers
    .map((offer) => ({ ...offer, storage_total_cost: Math.round(((offer.storage_cost * query.allocatedStorage) / 730) * 1e6) / 1e6 }))
    .filter((offer) => matchesFilters(offer, query.filters, true));
  return sortRecords(rows, query.order).slice(0, query.limit);
}

/** `POST /api/v0/volumes/search/` → `{"offers": [...]}` of volume offers (§3.8). */
export const searchVolumeOffers: Handler = (ctx) => json({ offers: searchStorageOffers(ctx.state.catalog.volumeOffers, ctx.body) });
