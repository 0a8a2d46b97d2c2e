/**
 * `VastNetworkVolume`: a Vast network volume, rented from a network-volume offer or adopted by id.
 * It lives on a cluster, and instances on any machine of that cluster can mount it at once
 * (`VastInstance.volume`; `GpuFleet.sharedNetworkVolume`). Vast keeps network volumes behind a
 * feature flag (vast-api-more.md §2.2): on an account without it, the rent fails with Vast's 403.
 */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { VolumeOfferCriteria } from "./offer-query.ts";

/** Arguments of {@link VastNetworkVolume}. Set exactly one of `offer`, `offerId` or `adoptId`. */
export interface VastNetworkVolumeArgs {
  /** Size in whole GB, fixed at creation; a change replaces the volume. Defaults to 15, as the CLI's. Left out when adopting. */
  readonly sizeGb?: pulumi.Input<number>;
  /** Vast's name for the volume (letters, digits, underscores, at most 64); a change replaces it (Vast cannot rename). */
  readonly name?: pulumi.Input<string>;
  /**
   * Network-volume offer search, run at create time with the CLI's defaults (verified, not
   * external, best score first, room for `sizeGb`), e.g. `{ filter: { cluster_id: { eq: 4001 } } }`;
   * a change replaces the volume.
   */
  readonly offer?: pulumi.Input<VolumeOfferCriteria>;
  /** A fixed network-volume offer id to rent from; a change replaces the volume. */
  readonly offerId?: pulumi.Input<number>;
  /**
   * Take over this existing network volume instead of renting one; `sizeGb` and `name` are left out
   * beside it. Setting it to the id already held changes nothing on Vast; naming another id
   * replaces. Destroying the resource deletes the volume: to let go of it instead, set the
   * `retainOnDelete: true` resource option first.
   */
  readonly adoptId?: pulumi.Input<number>;
}

/**
 * A network volume (vast-api-more.md §2.2): rented at create and recorded at once, read through the
 * volume list, replaced on any change of what was rented (Vast has no resize or rename), deleted
 * idempotently (waiting out Vast's release after its last instance is destroyed).
 *
 * @example
 * const datasets = new VastNetworkVolume("datasets", { sizeGb: 200, name: "datasets", offer: { filter: { geolocation: { in: ["US"] } } } });
 * new VastInstance("trainer", {
 *   image, offer: { filter: { cluster_id: { eq: datasets.clusterId } } },
 *   volume: { volumeId: datasets.volumeId, mountPath: "/datasets" },
 * });
 */
export class VastNetworkVolume extends pulumi.dynamic.Resource {
  /** The Vast volume id (`V.<id>` in `vastai show volumes -t network`); what `VastInstance.volume` mounts. */
  declare readonly volumeId: pulumi.Output<number>;
  /** The network-volume offer rented; undefined for an adopted volume. */
  declare readonly volumeOfferId: pulumi.Output<number | undefined>;
  /** The cluster the volume lives on: filter instance offers with `cluster_id: { eq: clusterId }` to mount it. */
  declare readonly clusterId: pulumi.Output<number | null>;
  /** Size as Vast reports it, in GB. */
  declare readonly diskSpaceGb: pulumi.Output<number | null>;
  /** `available` or `attached`, as of the last create or refresh. */
  declare readonly status: pulumi.Output<string | null>;
  /** Instances the volume is mounted by, as of the last create or refresh. */
  declare readonly instanceIds: pulumi.Output<number[]>;

  constructor(name: string, args: VastNetworkVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      volumeId: undefined,
      volumeOfferId: undefined,
      clusterId: undefined,
      diskSpaceGb: undefined,
      status: undefined,
      instanceIds: undefined,
    };
    super(delegatingProvider("networkVolume"), name, { ...outputs, ...args }, opts, "vast", "NetworkVolume");
  }
}
