/**
 * What a `VastVolume` does: a local volume rented from a volume offer (vast-api.md §3.8,
 * vast-api-more.md §2.1), or an existing one adopted by id. Vast has no single-volume read and no
 * edit: reads go through the list, and every change of what was rented replaces the volume.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import type { VastClient } from "./client.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { isAmbiguous, isOfferGone, VastError, VastErrorCode } from "./errors.ts";
import { buildVolumeOfferQuery, VolumeOfferCriteria } from "./offer-query.ts";
import type { Volume } from "./schemas.ts";
import { sessionFor } from "./session.ts";

/** The CLI's default size of a new volume (vast-api-more.md §2.1). */
export const defaultVolumeSizeGb = 15;

export const VolumeInputs = z
  .strictObject({
    /** Size in whole GB, fixed at creation (§3.8). Defaults to 15 when renting. */
    sizeGb: z.number().int("must be a whole number of GB (Vast rounds it down)").min(1).optional(),
    /** Vast's volume name: letters, digits and underscores, at most 64 (§3.8). */
    name: z
      .string()
      .regex(/^\w{1,64}$/, "must be letters, digits and underscores, at most 64")
      .optional(),
    /** A fixed volume offer to rent from. */
    offerId: z.number().int().positive().optional(),
    /** Volume-offer search run at create time; the first offer that is still there is rented. */
    offer: VolumeOfferCriteria.optional(),
    /** Adopt this existing volume instead of renting one. */
    adoptId: z.number().int().positive().optional(),
  })
  .superRefine((inputs, ctx) => {
    const sources = (["offerId", "offer", "adoptId"] as const).filter((k) => inputs[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [sources[1] ?? "offer"],
        message: `set exactly one of offerId, offer or adoptId (got ${sources.length ? sources.join(" and ") : "none"})`,
      });
    }
    for (const key of ["sizeGb", "name"] as const) {
      if (inputs.adoptId !== undefined && inputs[key] !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "an adopted volume keeps its own size and name: leave this out with adoptId",
        });
    }
  });
export type VolumeInputs = z.infer<typeof VolumeInputs>;

export interface VolumeOutputs extends VolumeInputs {
  volumeId: number;
  /** The volume offer rented; absent for an adopted volume, whose list row does not name it. */
  volumeOfferId?: number;
  /** Only instances on this machine can mount the volume (§3.8). */
  machineId: number | null;
  /** Size as Vast reports it. */
  diskSpaceGb: number | null;
  /** `available` or `attached`. */
  status: string | null;
  /** Ids of the instances the volume is attached to. */
  instanceIds: number[];
}

/** The inputs whose change means another volume: Vast has no resize or rename endpoint. */
const replacingInputs = ["sizeGb", "name", "offerId", "offer"] as const;
const inputKeys = [...replacingInputs, "adoptId"] as const;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(VolumeInputs, news);
}

export async function diff(id: string, olds: VolumeOutputs, news: VolumeInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = inputKeys.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  // `adoptId` matters only at create: naming the volume already held is never a replacement, which
  // would adopt it and then delete it as the predecessor.
  if (news.adoptId !== undefined)
    return { changes: changed, replaces: news.adoptId === Number(id) ? [] : ["adoptId"], deleteBeforeReplace: false };
  const replaces = replacingInputs.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  return { changes: changed, replaces, deleteBeforeReplace: false };
}

export async function create(settings: ProviderSettings, inputs: VolumeInputs): Promise<pulumi.dynamic.CreateResult> {
  const { client, adoptedVolumes } = sessionFor(settings);
  if (inputs.adoptId !== undefined) {
    const volume = (await client.listVolumes()).find((v) => v.id === inputs.adoptId);
    if (!volume)
      throw new VastError(
        VastErrorCode.notFound,
        `adoptId: volume ${inputs.adoptId} is not among the account's volumes (\`vastai show volumes\`)`,
      );
    adoptedVolumes.add(volume.id);
    return { id: String(volume.id), outs: outputs(inputs, volume) };
  }
  const offerIds = inputs.offerId !== undefined ? [inputs.offerId] : await searchOfferIds(client, inputs);
  const failures: string[] = [];
  for (const offerId of offerIds) {
    try {
      const volumeId = await rent(client, offerId, inputs);
      // The id is the first thing recorded; the list row only adds detail, and its absence is no failure.
      const volume = (await client.listVolumes().catch(() => [])).find((v) => v.id === volumeId);
      return { id: String(volumeId), outs: { ...outputs(inputs, volume ?? { id: volumeId }), volumeOfferId: offerId } };
    } catch (error) {
      if (!isOfferGone(error)) throw error;
      failures.push(`${offerId}: ${(error as Error).message}`);
    }
  }
  throw new VastError(VastErrorCode.noOffer, `could not rent any of ${failures.length} volume offer(s) tried: ${failures.join("; ")}`);
}

async function searchOfferIds(client: VastClient, inputs: VolumeInputs): Promise<number[]> {
  const criteria = inputs.offer ?? { filter: {} };
  const offers = await client.searchVolumeOffers(buildVolumeOfferQuery(criteria, sizeOf(inputs)));
  if (offers.length === 0)
    throw new VastError(
      VastErrorCode.noOffer,
      `no Vast volume offer of at least ${sizeOf(inputs)} GB matches ${JSON.stringify(criteria.filter)}; widen the filter or ask for less space`,
    );
  return offers.map((o) => o.id);
}

/**
 * One rent. When the answer is lost the volume may exist. With a name it can be found again: a
 * volume of that name that was not there before the rent. Without one it cannot, and renting
 * another could leave two, so the error says what to check.
 */
async function rent(client: VastClient, offerId: number, inputs: VolumeInputs): Promise<number> {
  const named = async () => (await client.listVolumes()).filter((v) => (v.name ?? v.label) === inputs.name).map((v) => v.id);
  const before = inputs.name ? new Set(await named()) : undefined;
  try {
    return await client.createVolume({ id: offerId, size: sizeOf(inputs), ...(inputs.name ? { name: inputs.name } : {}) });
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const fresh = before ? (await named().catch(() => [])).filter((id) => !before.has(id)) : [];
    if (fresh.length === 1) return fresh[0]!;
    const why = before ? `${fresh.length} new volumes are named "${inputs.name}"` : "the volume has no name to look for";
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `renting ${sizeOf(inputs)} GB of volume offer ${offerId} got no answer, and ${why}: check \`vastai show volumes\`, then adopt a volume that was rented (adoptId) or run \`pulumi up\` again`,
      { cause: error },
    );
  }
}

function sizeOf(inputs: VolumeInputs): number {
  return inputs.sizeGb ?? defaultVolumeSizeGb;
}

function outputs(inputs: VolumeInputs | VolumeOutputs, volume: Pick<Volume, "id"> & Partial<Volume>): VolumeOutputs {
  return {
    ...inputs,
    volumeId: volume.id,
    machineId: volume.machine_id ?? null,
    diskSpaceGb: volume.disk_space ?? null,
    status: volume.status ?? null,
    instanceIds: volume.instances ?? [],
  };
}

/** Only a change that keeps the same volume gets here (`adoptId` set to the volume held): record the new inputs. */
export async function update(
  _settings: ProviderSettings,
  _id: string,
  olds: VolumeOutputs,
  news: VolumeInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const observed = Object.fromEntries(Object.entries(olds).filter(([k]) => !(inputKeys as readonly string[]).includes(k)));
  return { outs: { ...observed, ...news } };
}

export async function read(settings: ProviderSettings, id: string, props: VolumeOutputs): Promise<pulumi.dynamic.ReadResult> {
  const volume = (await sessionFor(settings).client.listVolumes()).find((v) => v.id === Number(id));
  if (!volume) return { id: "" };
  // `props` carries what the list cannot tell (the inputs, the offer rented); the rest is read anew.
  return { id, props: outputs(props, volume) };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  const { client, adoptedVolumes } = sessionFor(settings);
  // `up --replace` of an adopting resource adopts the volume its predecessor holds, then deletes the predecessor.
  if (adoptedVolumes.has(Number(id))) {
    console.error(`vast volume ${id}: kept: the resource that replaces this one adopted it`);
    return;
  }
  await client.deleteVolume(Number(id));
}

export const volumeKind = vastKind<VolumeInputs, VolumeOutputs>({ check, diff, create, update, read, remove });
