/**
 * Read-only lookups for a Pulumi program: offers, instances, templates, SSH keys, the account and
 * serverless endpoints.
 * They run in the program process, not in a provider, so they read `vast:apiUrl` and `vast:apiKey`
 * from stack config themselves (or take explicit settings). Arguments are checked before any
 * request, so a bad filter fails at the call with `VAST_INVALID_INPUT` naming the field and the
 * rule. The key only ever goes into the request header: never into an Output, a log or an error.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { VastClient } from "./client.ts";
import type { ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { buildOfferQuery, buildVolumeOfferQuery, OfferCriteria, OfferFilter, VolumeOfferCriteria } from "./offer-query.ts";
import type { Charge, CurrentUser, Instance, Offer, SshKey, Template, VolumeOffer } from "./schemas.ts";
import { sessionFor } from "./session.ts";
import { listEndpoints } from "./serverless-api.ts";
import type { Endpoint } from "./serverless-schemas.ts";

/** Where a lookup sends its requests. Defaults to stack config (`vast:apiUrl`, `vast:apiKey`), then `VAST_API_URL`/`VAST_API_KEY`. */
export type LookupSettings = Pick<ProviderSettings, "apiUrl" | "apiKey">;

/** How many rows an offer lookup returns unless told; Vast never returns more than 64 (vast-api.md §3.1). */
const defaultOfferLimit = 20;
const OfferLimit = z.number().int().min(1).max(64).default(defaultOfferLimit);

const GpuOfferLookup = OfferCriteria.omit({ tries: true }).extend({
  /** Disk in GB priced into `dph_total`; the instance's default, 16. */
  diskGb: z.number().min(8).default(16),
  limit: OfferLimit,
});
/** Arguments of {@link getGpuOffers}: an instance's offer criteria, plus how much to return. */
export type GpuOfferLookup = z.input<typeof GpuOfferLookup>;

const VolumeOfferLookup = VolumeOfferCriteria.omit({ tries: true }).extend({
  /** GB the volume needs; prices `storage_total_cost` and leaves out smaller offers. Defaults to 15, as a new volume. */
  sizeGb: z.number().int().min(1).default(15),
  limit: OfferLimit,
});
/** Arguments of {@link getVolumeOffers}. */
export type VolumeOfferLookup = z.input<typeof VolumeOfferLookup>;

const InstanceLookupArgs = z.strictObject({
  /** The exact Vast label (for a kit instance: the user's label, then its `vk:` tag). */
  label: z.string().min(1).optional(),
  /** Further conditions in the `/bundles/` operator shape over instance fields, e.g. `{actual_status: {eq: "running"}}`. */
  filter: OfferFilter.optional(),
});
/** Arguments of {@link getInstances}; with neither field, every instance of the account. */
export type InstanceLookupArgs = z.input<typeof InstanceLookupArgs>;

const TemplateLookupArgs = z
  .strictObject({
    id: z.number().int().positive().optional(),
    hashId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, "must be a template's 32-hex-digit hash")
      .optional(),
    name: z.string().min(1).optional(),
  })
  .refine(
    (args) => args.id !== undefined || args.hashId !== undefined || args.name !== undefined,
    "give at least one of id, hashId or name",
  );
/** Arguments of {@link getTemplates}: every field given must match. */
export type TemplateLookupArgs = z.input<typeof TemplateLookupArgs>;

const ChargeLookup = z
  .strictObject({
    /** Start of the window, in epoch seconds (`day.gte`). */
    since: z.number().nonnegative("must be epoch seconds"),
    /** End of the window, in epoch seconds (`day.lte`). Defaults to now. */
    until: z.number().nonnegative("must be epoch seconds").optional(),
    /** Which rows: `instance`, `volume`, `serverless`. Defaults to all. */
    types: z
      .array(z.enum(["instance", "volume", "serverless"]))
      .min(1)
      .optional(),
  })
  .refine((args) => args.until === undefined || args.until >= args.since, { message: "must not be before since", path: ["until"] });
/** Arguments of {@link getCharges}. */
export type ChargeLookup = z.input<typeof ChargeLookup>;
const EndpointLookupArgs = z.strictObject({
  /** The endpoint's routing name. */
  name: z.string().min(1).optional(),
});
/** Arguments of {@link getEndpoints}; with no name, every endpoint of the account. */
export type EndpointLookupArgs = z.input<typeof EndpointLookupArgs>;

/** The account as `GET /users/current` describes it; `credit` and `balance` in dollars. Never holds an API key. */
export type VastAccount = CurrentUser;

/**
 * GPU offers matching `lookup`, cheapest first unless `order` says otherwise, with the same query
 * and defaults (verified, rentable, not external, not rented) as a `VastInstance`'s `offer`.
 *
 * @example
 * const offers = getGpuOffers({ filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 0.5, limit: 5 });
 * export const cheapest = offers.apply((o) => o[0]?.dph_total);
 */
export function getGpuOffers(lookup: GpuOfferLookup, settings?: LookupSettings): pulumi.Output<Offer[]> {
  const { diskGb, limit, ...criteria } = parse("getGpuOffers", GpuOfferLookup, lookup);
  return run(settings, (client) => client.searchOffers({ ...buildOfferQuery(criteria, diskGb), limit }));
}

/**
 * Volume offers matching `lookup`, best score first unless `order` says otherwise, with the CLI's
 * defaults (verified, not external) and room for `sizeGb`: the query a `VastVolume`'s `offer` runs.
 */
export function getVolumeOffers(lookup: VolumeOfferLookup = { filter: {} }, settings?: LookupSettings): pulumi.Output<VolumeOffer[]> {
  const { sizeGb, limit, ...criteria } = parse("getVolumeOffers", VolumeOfferLookup, lookup);
  return run(settings, (client) => client.searchVolumeOffers({ ...buildVolumeOfferQuery(criteria, sizeGb), limit }));
}

/**
 * Network-volume offers matching `lookup`, by the same query, defaults and order as
 * {@link getVolumeOffers}: the query a `VastNetworkVolume`'s `offer` runs. Each offer is a cluster's
 * storage pool (`cluster_id`); `disk_space` is what is left of it.
 *
 * @example
 * export const pools = getNetworkVolumeOffers({ filter: { geolocation: { in: ["US"] } }, sizeGb: 100 })
 *   .apply((offers) => offers.map((o) => ({ id: o.id, cluster: o.cluster_id, perGbMonth: o.storage_cost })));
 */
export function getNetworkVolumeOffers(
  lookup: VolumeOfferLookup = { filter: {} },
  settings?: LookupSettings,
): pulumi.Output<VolumeOffer[]> {
  const { sizeGb, limit, ...criteria } = parse("getNetworkVolumeOffers", VolumeOfferLookup, lookup);
  return run(settings, (client) => client.searchNetworkVolumeOffers({ ...buildVolumeOfferQuery(criteria, sizeGb), limit }));
}

/** The account's instances with this label and/or matching `filter` (all pages of the v1 list). */
export function getInstances(lookup: InstanceLookupArgs = {}, settings?: LookupSettings): pulumi.Output<Instance[]> {
  const { label, filter } = parse("getInstances", InstanceLookupArgs, lookup);
  return run(settings, (client) => client.listInstances({ ...filter, ...(label === undefined ? {} : { label: { eq: label } }) }));
}

/** Templates the account can see with this id, hash and/or name; empty when none matches. */
export function getTemplates(lookup: TemplateLookupArgs, settings?: LookupSettings): pulumi.Output<Template[]> {
  const { id, hashId, name } = parse("getTemplates", TemplateLookupArgs, lookup);
  const filters = {
    ...(id === undefined ? {} : { id: { eq: id } }),
    ...(hashId === undefined ? {} : { hash_id: { eq: hashId } }),
    ...(name === undefined ? {} : { name: { eq: name } }),
  };
  return run(settings, (client) => client.searchTemplates(filters));
}

/** The account's SSH public keys. */
export function getSshKeys(settings?: LookupSettings): pulumi.Output<SshKey[]> {
  return run(settings, (client) => client.listSshKeys());
}

/**
 * The account the key belongs to, with its `credit` and `balance`: check them before renting.
 * An `api_key` field, should Vast ever send one, is dropped as the CLI drops it (vast-api-more.md §6).
 */
export function getCurrentUser(settings?: LookupSettings): pulumi.Output<VastAccount> {
  return run(settings, async (client) => {
    const { api_key: _dropped, ...account }: VastAccount = await client.currentUser();
    return account;
  });
}

/**
 * The account's charges (`GET /charges/`, vast-api-more.md §6) whose UTC day overlaps the window,
 * every page, oldest first; `spentPerInstance` sums them per instance.
 *
 * @example
 * const day = getCharges({ since: Date.now() / 1000 - 86_400, types: ["instance"] });
 * export const spentToday = day.apply((rows) => rows.reduce((sum, row) => sum + row.amount, 0));
 */
export function getCharges(lookup: ChargeLookup, settings?: LookupSettings): pulumi.Output<Charge[]> {
  const { since, until, types } = parse("getCharges", ChargeLookup, lookup);
  return run(settings, (client) => client.listCharges(since, until ?? Date.now() / 1000, types));
}

/**
 * The account's serverless endpoints with their autoscaling parameters, optionally only the one
 * named `name`. Each endpoint's own `api_key` is dropped, as `vastai show endpoints` drops it:
 * read it from a `VastEndpoint`'s secret `apiKey` output instead.
 */
export function getEndpoints(lookup: EndpointLookupArgs = {}, settings?: LookupSettings): pulumi.Output<Endpoint[]> {
  const { name } = parse("getEndpoints", EndpointLookupArgs, lookup);
  return run(settings, async (client) =>
    (await listEndpoints(client))
      .filter((endpoint) => name === undefined || endpoint.endpoint_name === name)
      .map(({ api_key: _secret, ...endpoint }) => endpoint),
  );
}

function parse<S extends z.ZodType>(lookup: string, schema: S, args: unknown): z.infer<S> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  throw new VastError(VastErrorCode.invalidInput, `${lookup}: ${z.prettifyError(parsed.error)}`);
}

function run<T>(settings: LookupSettings | undefined, call: (client: VastClient) => Promise<T>): pulumi.Output<T> {
  // Plain JSON data holds no Outputs, so unwrapping leaves its type as it is.
  return pulumi.output(call(sessionFor(settings ?? stackSettings()).client)) as pulumi.Output<T>;
}

/** `vast:apiUrl`/`vast:apiKey` of the running stack, as plain values (empty outside a Pulumi program). */
function stackSettings(): LookupSettings {
  const config = pulumi.runtime.allConfig();
  return { apiUrl: config["vast:apiUrl"], apiKey: config["vast:apiKey"] };
}
