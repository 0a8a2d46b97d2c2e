/**
 * Network-volume offers (vast-api-more.md §2.2): storage on a physical cluster, mountable by any
 * machine of that cluster. The catalogue puts its datacenter machines into a few clusters
 * (`clusterIdOf`); each cluster offers one network-volume pool, derived from its first machine so
 * the catalogue stays the same on every run. Rents subtract from a pool's `disk_space`.
 */
import type { CatalogOffer } from "./catalog.ts";

/** A network-volume offer: one cluster's storage pool. */
export type CatalogNetworkVolumeOffer = Readonly<Record<string, string | number | boolean | null>> & {
  id: number;
  cluster_id: number;
  disk_space: number;
  storage_cost: number;
};

const CLUSTER_COUNT = 6;
const FIRST_CLUSTER_ID = 4001;
const FIRST_NETWORK_VOLUME_OFFER_ID = 32_000_001;

/** The cluster of the catalogue's `m`-th machine, when it is a datacenter machine. */
export function clusterIdOf(machineIndex: number): number {
  return FIRST_CLUSTER_ID + (machineIndex % CLUSTER_COUNT);
}

/** One offer per cluster that has a machine among `offers`, sorted by id. */
export function buildNetworkVolumeOffers(offers: readonly CatalogOffer[]): CatalogNetworkVolumeOffer[] {
  const firstOfCluster = new Map<number, CatalogOffer>();
  for (const offer of offers) {
    const cluster = offer["cluster_id"];
    if (typeof cluster === "number" && !firstOfCluster.has(cluster)) firstOfCluster.set(cluster, offer);
  }
  return [...firstOfCluster.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cluster, machine]) => {
      const k = cluster - FIRST_CLUSTER_ID;
      const reliability = Number(machine["reliability"]);
      return {
        id: FIRST_NETWORK_VOLUME_OFFER_ID + k,
        ask_contract_id: FIRST_NETWORK_VOLUME_OFFER_ID + k,
        cluster_id: cluster,
        host_id: machine.host_id,
        disk_space: 8000 + 2000 * k,
        storage_cost: Math.round((0.12 + 0.015 * k) * 1000) / 1000,
        inet_up: Number(machine["inet_up"]),
        inet_down: Number(machine["inet_down"]),
        reliability,
        reliability2: reliability,
        verification: "verified",
        verified: true,
        external: false,
        geolocation: machine.geolocation,
        duration: Number(machine["duration"]),
        nw_disk_min_bw: 400 + 50 * k,
        nw_disk_avg_bw: 900 + 60 * k,
        nw_disk_max_bw: 1600 + 80 * k,
        score: Math.round(reliability * 10_000) / 100,
      };
    });
}
