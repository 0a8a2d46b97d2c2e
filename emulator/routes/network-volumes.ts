/**
 * Network volumes, `/api/v0/network_volumes/` (vast-api-more.md §2.2), in the CLI's forms: offer
 * search with a flat body (`POST .../search/`) and rent (`PUT`, `{"size", "id", "name"?}`). Listing
 * and delete go through `/volumes` (volumes.ts), as for local volumes. Vast keeps the feature
 * behind a flag; without `EmulatorOptions.networkVolumes` both calls answer 403 `not_authorized`.
 */
import { type Handler, type RequestContext, json } from "../context.ts";
import { apiError } from "../errors.ts";
import { CreateVolumeBody, parseBody } from "../schemas.ts";
import { searchStorageOffers } from "./offers.ts";

const NAME_PATTERN = /^\w{1,64}$/;
const DEFAULT_SIZE_GB = 15;

function requireFeature(ctx: RequestContext): void {
  if (!ctx.state.networkVolumes) throw apiError(403, "not_authorized", "Network volumes are not enabled for this account.");
}

/** GB of an offer's pool already rented. */
function rentedGb(ctx: RequestContext, offerId: number): number {
  return ctx.state.db
    .listNetworkVolumes()
    .filter((volume) => volume.offerId === offerId)
    .reduce((sum, volume) => sum + volume.size, 0);
}

/** `POST /api/v0/network_volumes/search/` → `{"offers": [...]}`; `disk_space` is what is left of each pool. */
export const searchNetworkVolumeOffers: Handler = (ctx) => {
  requireFeature(ctx);
  const pools = ctx.state.catalog.networkVolumeOffers.map((offer) => ({
    ...offer,
    disk_space: offer.disk_space - rentedGb(ctx, offer.id),
  }));
  return json({ offers: searchStorageOffers(pools, ctx.body) });
};

/** `PUT /api/v0/network_volumes/` `{"size", "id", "name"?}` → `{"success", "volume_name", "volume_id", "id"}`. */
export const createNetworkVolume: Handler = (ctx) => {
  requireFeature(ctx);
  const body = parseBody(CreateVolumeBody.partial({ id: true }), ctx.body);
  // The documented refusal when the offer is missing (§2.2 "Create").
  if (body.id === undefined) throw apiError(400, "invalid_args", "You must pass in `id`, the network volume offer to rent from.");
  const offer = ctx.state.catalog.networkVolumeById.get(body.id);
  if (!offer) throw apiError(404, "no_such_ask", `Network volume offer ${body.id} is not available.`);
  if (body.name && !NAME_PATTERN.test(body.name))
    throw apiError(400, "invalid_args", "Volume names use letters, digits and underscores, at most 64.");
  const size = Math.floor(body.size ?? DEFAULT_SIZE_GB);
  const left = offer.disk_space - rentedGb(ctx, offer.id);
  if (!(size >= 1 && size <= left)) throw apiError(400, "invalid_args", `size must be between 1 and ${left} GB`);
  const volume = ctx.state.db.insertNetworkVolume(offer.id, body.name ?? null, size, ctx.now / 1000);
  // The docs name the volume; their example carries `id`: both, plus `volume_id` (§2.2, §2.1).
  return json({ success: true, volume_name: `V.${volume.id}`, volume_id: volume.id, id: volume.id, volume_size: size });
};
