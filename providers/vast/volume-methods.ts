/**
 * The provider methods every Vast volume kind shares, local (`VastVolume`) or network
 * (`VastNetworkVolume`): rent from an offer search or a fixed offer, or adopt by id; record the id
 * the moment the rent answers; read through the list (there is no single-volume read); replace on
 * any change of what was rented (Vast has no resize or rename); delete idempotently. A kind differs
 * only in its endpoints and in where its volume lives (a machine, or a cluster): its `VolumeFlavor`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import type { OfferQuery, VastClient } from "./client.ts";
import type { ProviderSettings } from "./config.ts";
import { isAmbiguous, isOfferGone, VastError, VastErrorCode } from "./errors.ts";
import { buildVolumeOfferQuery, VolumeOfferCriteria } from "./offer-query.ts";
import type { CreateVolumeBody, Volume, VolumeOffer } from "./schemas.ts";
import { sessionFor } from "./session.ts";

/** The CLI's default size of a new volume, local or network (vast-api-more.md §2.1, §2.2). */
export const defaultVolumeSizeGb = 15;

/** The inputs of every volume kind, checked in `check`: one of `offer`, `offerId` and `adoptId`, with `sizeGb` and `name` only when renting. */
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

/** What every volume kind outputs, besides where its volume lives. */
export interface VolumeState extends VolumeInputs {
  volumeId: number;
  /** The offer rented; absent for an adopted volume, whose list row does not name it. */
  volumeOfferId?: number;
  /** Size as Vast reports it. */
  diskSpaceGb: number | null;
  /** `available` or `attached`. */
  status: string | null;
  /** Ids of the instances the volume is attached to. */
  instanceIds: number[];
}

/** How one volume kind talks to Vast. */
export interface VolumeFlavor<Where extends object> {
  /** `volume` or `network volume`, in messages. */
  noun: string;
  /** The CLI command that lists this kind, for messages. */
  listCommand: string;
  list(client: VastClient): Promise<Volume[]>;
  search(client: VastClient, query: OfferQuery): Promise<VolumeOffer[]>;
  rent(client: VastClient, body: CreateVolumeBody): Promise<number>;
  /** Where the volume lives, as outputs (its machine, or its cluster). */
  where(volume: Partial<Volume>): Where;
}

/** The inputs whose change means another volume: Vast has no resize or rename endpoint. */
const replacingInputs = ["sizeGb", "name", "offerId", "offer"] as const;
const inputKeys = [...replacingInputs, "adoptId"] as const;

/** How long a delete waits for Vast to release a volume whose instances are already destroyed (about 30 s, §3.8). */
const releaseWaitMs = 120_000;

/** The dynamic-provider methods of one volume kind. */
export function volumeMethods<Where extends object>(flavor: VolumeFlavor<Where>) {
  type Outputs = VolumeState & Where;

  function outputs(inputs: VolumeInputs | Outputs, volume: Pick<Volume, "id"> & Partial<Volume>): Outputs {
    return {
      ...inputs,
      volumeId: volume.id,
      ...flavor.where(volume),
      diskSpaceGb: volume.disk_space ?? null,
      status: volume.status ?? null,
      instanceIds: volume.instances ?? [],
    } as Outputs;
  }

  const sizeOf = (inputs: VolumeInputs): number => inputs.sizeGb ?? defaultVolumeSizeGb;

  async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    return checkInputs(VolumeInputs, news);
  }

  async function diff(id: string, olds: Outputs, news: VolumeInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = inputKeys.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
    // `adoptId` matters only at create: naming the volume already held is never a replacement, which
    // would adopt it and then delete it as the predecessor.
    if (news.adoptId !== undefined)
      return { changes: changed, replaces: news.adoptId === Number(id) ? [] : ["adoptId"], deleteBeforeReplace: false };
    const replaces = replacingInputs.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
    return { changes: changed, replaces, deleteBeforeReplace: false };
  }

  async function create(settings: ProviderSettings, inputs: VolumeInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, adoptedVolumes } = sessionFor(settings);
    if (inputs.adoptId !== undefined) {
      const volume = (await flavor.list(client)).find((v) => v.id === inputs.adoptId);
      if (!volume)
        throw new VastError(
          VastErrorCode.notFound,
          `adoptId: ${flavor.noun} ${inputs.adoptId} is not among the account's ${flavor.noun}s (\`${flavor.listCommand}\`)`,
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
        const volume = (await flavor.list(client).catch(() => [])).find((v) => v.id === volumeId);
        return { id: String(volumeId), outs: { ...outputs(inputs, volume ?? { id: volumeId }), volumeOfferId: offerId } };
      } catch (error) {
        if (!isOfferGone(error)) throw error;
        failures.push(`${offerId}: ${(error as Error).message}`);
      }
    }
    throw new VastError(
      VastErrorCode.noOffer,
      `could not rent any of ${failures.length} ${flavor.noun} offer(s) tried: ${failures.join("; ")}`,
    );
  }

  async function searchOfferIds(client: VastClient, inputs: VolumeInputs): Promise<number[]> {
    const criteria = inputs.offer ?? { filter: {} };
    const offers = await flavor.search(client, buildVolumeOfferQuery(criteria, sizeOf(inputs)));
    if (offers.length === 0)
      throw new VastError(
        VastErrorCode.noOffer,
        `no Vast ${flavor.noun} offer of at least ${sizeOf(inputs)} GB matches ${JSON.stringify(criteria.filter)}; widen the filter or ask for less space`,
      );
    return offers.map((o) => o.id);
  }

  /**
   * One rent. When the answer is lost the volume may exist. With a name it can be found again: a
   * volume of that name that was not there before the rent. Without one it cannot, and renting
   * another could leave two, so the error says what to check.
   */
  async function rent(client: VastClient, offerId: number, inputs: VolumeInputs): Promise<number> {
    const named = async () => (await flavor.list(client)).filter((v) => (v.name ?? v.label) === inputs.name).map((v) => v.id);
    const before = inputs.name ? new Set(await named()) : undefined;
    try {
      return await flavor.rent(client, { id: offerId, size: sizeOf(inputs), ...(inputs.name ? { name: inputs.name } : {}) });
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      const fresh = before ? (await named().catch(() => [])).filter((id) => !before.has(id)) : [];
      if (fresh.length === 1) return fresh[0]!;
      const why = before ? `${fresh.length} new ${flavor.noun}s are named "${inputs.name}"` : `the ${flavor.noun} has no name to look for`;
      throw new VastError(
        VastErrorCode.outcomeUnknown,
        `renting ${sizeOf(inputs)} GB of ${flavor.noun} offer ${offerId} got no answer, and ${why}: check \`${flavor.listCommand}\`, then adopt a volume that was rented (adoptId) or run \`pulumi up\` again`,
        { cause: error },
      );
    }
  }

  /** Only a change that keeps the same volume gets here (`adoptId` set to the volume held): record the new inputs. */
  async function update(_settings: ProviderSettings, _id: string, olds: Outputs, news: VolumeInputs): Promise<pulumi.dynamic.UpdateResult> {
    const observed = Object.fromEntries(Object.entries(olds).filter(([k]) => !(inputKeys as readonly string[]).includes(k)));
    return { outs: { ...observed, ...news } };
  }

  async function read(settings: ProviderSettings, id: string, props: Outputs): Promise<pulumi.dynamic.ReadResult> {
    const volume = (await flavor.list(sessionFor(settings).client)).find((v) => v.id === Number(id));
    if (!volume) return { id: "" };
    // `props` carries what the list cannot tell (the inputs, the offer rented); the rest is read anew.
    return { id, props: outputs(props, volume) };
  }

  async function remove(settings: ProviderSettings, id: string): Promise<void> {
    const { client, adoptedVolumes } = sessionFor(settings);
    // `up --replace` of an adopting resource adopts the volume its predecessor holds, then deletes the predecessor.
    if (adoptedVolumes.has(Number(id))) {
      console.error(`vast ${flavor.noun} ${id}: kept: the resource that replaces this one adopted it`);
      return;
    }
    const deadline = Date.now() + releaseWaitMs;
    for (;;) {
      try {
        return await client.deleteVolume(Number(id));
      } catch (error) {
        // Vast releases a volume about 30 s after its last instance is destroyed (§3.8): wait for
        // that, but not for an instance that still exists.
        if (!(error instanceof VastError && error.code === VastErrorCode.volumeInUse) || Date.now() > deadline) throw error;
        const holders = (await flavor.list(client)).find((v) => v.id === Number(id))?.instances ?? [];
        const alive = await Promise.all(holders.map((i) => client.getInstance(i)));
        if (alive.some((i) => i !== undefined)) throw error;
        await sleep(5000);
      }
    }
  }

  return { check, diff, create, update, read, remove };
}
