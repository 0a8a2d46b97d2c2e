/**
 * Where a `GpuFleet`'s instances get their volume: a local volume each, rented first on a machine
 * that has an offer matching the fleet's `offer` (the instance is then rented on that machine), or
 * one network volume they all mount (instances are rented on its cluster). Vast mounts a volume
 * only at create time, on the volume's machine or cluster (vast-api-more.md §2).
 */
import * as pulumi from "@pulumi/pulumi";
import { VastVolume, getGpuOffers, type OfferCriteria } from "../providers/vast/index.ts";
import type { GpuFleetArgs } from "./gpu-fleet.ts";

/** What instance `i` is rented with: its offer narrowed to where the volume is, and the mount. */
export interface FleetVolume {
  offer: pulumi.Output<OfferCriteria>;
  mount: { volumeId: pulumi.Input<number>; mountPath: string };
  /** The instance's own volume; undefined for a shared network volume. */
  volumeId?: pulumi.Output<number>;
}

/** The volume of each instance `i`, or undefined when the fleet has none. Throws when both kinds are asked for. */
export function fleetVolumes(parent: pulumi.ComponentResource, name: string, args: GpuFleetArgs): (i: number) => FleetVolume | undefined {
  const mountPath = args.volumeMountPath ?? "/data";
  if (!/^\/[\w./-]*$/.test(mountPath))
    throw new pulumi.ResourceError(`GpuFleet ${name}: volumeMountPath "${mountPath}" must be an absolute Linux path such as /data`, parent);
  if (args.volumePerInstance && args.sharedNetworkVolume)
    throw new pulumi.ResourceError(`GpuFleet ${name}: set volumePerInstance or sharedNetworkVolume, not both`, parent);
  const narrowed = (field: string, value: pulumi.Input<number | null>) =>
    pulumi.all([args.offer!, value]).apply(([offer, at]) => ({ ...offer, filter: { ...offer.filter, [field]: { eq: at } } }));

  const shared = args.sharedNetworkVolume;
  if (shared) {
    const offer = narrowed("cluster_id", shared.clusterId);
    return () => ({ offer, mount: { volumeId: shared.volumeId, mountPath } });
  }
  const perInstance = args.volumePerInstance;
  if (!perInstance || args.instanceCount === 0) return () => undefined;
  // Machines with an offer the fleet would rent: a volume elsewhere could never be mounted.
  const machines = pulumi.output(args.offer!).apply((offer) =>
    getGpuOffers({
      filter: offer.filter,
      ...(offer.maxPricePerHour ? { maxPricePerHour: offer.maxPricePerHour } : {}),
      ...(offer.type ? { type: offer.type } : {}),
      limit: 64,
    }).apply((offers) => [...new Set(offers.map((o) => o.machine_id))]),
  );
  return (i) => {
    const volume = new VastVolume(
      `${name}-${i}-volume`,
      {
        ...(perInstance.sizeGb ? { sizeGb: perInstance.sizeGb } : {}),
        offer: machines.apply((ids) => ({ filter: { machine_id: { in: ids } } })),
      },
      // The machines matter only when the volume is rented; later searches must not replace it.
      { parent, ignoreChanges: ["offer"] },
    );
    return { offer: narrowed("machine_id", volume.machineId), mount: { volumeId: volume.volumeId, mountPath }, volumeId: volume.volumeId };
  };
}
