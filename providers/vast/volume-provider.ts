/**
 * What a `VastVolume` does: a local volume rented from a volume offer (vast-api.md §3.8,
 * vast-api-more.md §2.1), or an existing one adopted by id. It lives on one machine: only
 * instances on that machine can mount it. The methods are the shared ones of volume-methods.ts.
 */
import { vastKind } from "./config.ts";
import { volumeMethods, type VolumeInputs, type VolumeState } from "./volume-methods.ts";

export { defaultVolumeSizeGb, VolumeInputs } from "./volume-methods.ts";

export interface VolumeOutputs extends VolumeState {
  /** Only instances on this machine can mount the volume (§3.8). */
  machineId: number | null;
}

export const { check, diff, create, update, read, remove } = volumeMethods<Pick<VolumeOutputs, "machineId">>({
  noun: "volume",
  listCommand: "vastai show volumes",
  list: (client) => client.listVolumes("local_volume"),
  search: (client, query) => client.searchVolumeOffers(query),
  rent: (client, body) => client.createVolume(body),
  where: (volume) => ({ machineId: volume.machine_id ?? null }),
});

export const volumeKind = vastKind<VolumeInputs, VolumeOutputs>({ check, diff, create, update, read, remove });
