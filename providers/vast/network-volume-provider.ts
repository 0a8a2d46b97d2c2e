/**
 * What a `VastNetworkVolume` does: a network volume rented from a network-volume offer
 * (vast-api-more.md §2.2), or an existing one adopted by id. It lives on a cluster: instances on
 * any machine of that cluster can mount it, several at once. Vast has no edit for it either, so the
 * methods are the shared ones of volume-methods.ts; only the search and rent endpoints differ, and
 * the list is asked for `type=network_volume`.
 */
import { vastKind } from "./config.ts";
import { volumeMethods, type VolumeInputs, type VolumeState } from "./volume-methods.ts";

export interface NetworkVolumeOutputs extends VolumeState {
  /** The cluster the volume lives on: instances on its machines can mount it (offer filter `cluster_id`). */
  clusterId: number | null;
}

export const { check, diff, create, update, read, remove } = volumeMethods<Pick<NetworkVolumeOutputs, "clusterId">>({
  noun: "network volume",
  listCommand: "vastai show volumes -t network",
  list: (client) => client.listVolumes("network_volume"),
  search: (client, query) => client.searchNetworkVolumeOffers(query),
  rent: (client, body) => client.createNetworkVolume(body),
  where: (volume) => ({ clusterId: volume.cluster_id ?? null }),
});

export const networkVolumeKind = vastKind<VolumeInputs, NetworkVolumeOutputs>({ check, diff, create, update, read, remove });
