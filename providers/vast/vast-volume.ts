/** `VastVolume`: a local Vast volume, rented from a volume offer or adopted by id. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { VolumeOfferCriteria } from "./offer-query.ts";

/** Arguments of {@link VastVolume}. Set exactly one of `offer`, `offerId` or `adoptId`. */
export interface VastVolumeArgs {
  /** Size in whole GB, fixed at creation; a change replaces the volume. Defaults to 15, as the CLI's. Ignored when adopting. */
  readonly sizeGb?: pulumi.Input<number>;
  /** Vast's name for the volume (letters, digits, underscores, at most 64); a change replaces it (Vast cannot rename). */
  readonly name?: pulumi.Input<string>;
  /** Volume-offer search, run at create time with the CLI's defaults (verified, not external, best score first); a change replaces the volume. */
  readonly offer?: pulumi.Input<VolumeOfferCriteria>;
  /** A fixed volume offer id to rent from; a change replaces the volume. */
  readonly offerId?: pulumi.Input<number>;
  /**
   * Take over this existing volume instead of renting one; `sizeGb` and `name` are left out beside
   * it. Setting it to the id of the volume already held changes nothing on Vast; naming another id
   * replaces. Destroying the resource deletes the volume; to let go of it instead, set the
   * `retainOnDelete: true` resource option first.
   */
  readonly adoptId?: pulumi.Input<number>;
}

export class VastVolume extends pulumi.dynamic.Resource {
  /** The Vast volume id (the `V.<id>` of `vastai show volumes`). */
  declare readonly volumeId: pulumi.Output<number>;
  /** The volume offer rented; undefined for an adopted volume. */
  declare readonly volumeOfferId: pulumi.Output<number | undefined>;
  /** The machine the volume lives on: only instances on it can mount the volume. */
  declare readonly machineId: pulumi.Output<number | null>;
  /** Size as Vast reports it, in GB. */
  declare readonly diskSpaceGb: pulumi.Output<number | null>;
  /** `available` or `attached`, as of the last create or refresh. */
  declare readonly status: pulumi.Output<string | null>;
  /** Instances the volume is attached to, as of the last create or refresh. */
  declare readonly instanceIds: pulumi.Output<number[]>;

  constructor(name: string, args: VastVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      volumeId: undefined,
      volumeOfferId: undefined,
      machineId: undefined,
      diskSpaceGb: undefined,
      status: undefined,
      instanceIds: undefined,
    };
    super(delegatingProvider("volume"), name, { ...outputs, ...args }, opts, "vast", "Volume");
  }
}
