/**
 * VastNetworkVolume and getNetworkVolumeOffers through the real Pulumi engine, in a throwaway
 * program against the emulator: a bad input stops the run before anything is rented, naming the
 * field; up, no-op up, a size change that replaces (Vast has no edit), refresh after an
 * out-of-band delete, and destroy that leaves nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "network-volume-engine-key-7c1d";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastNetworkVolume, getNetworkVolumeOffers } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const shared = new VastNetworkVolume("shared", {
  sizeGb: config.requireNumber("sizeGb"),
  name: config.require("volumeName"),
  offer: { filter: { geolocation: { neq: "nowhere" } } },
});

export const volumeId = shared.volumeId;
export const clusterId = shared.clusterId;
export const size = shared.diskSpaceGb;
export const status = shared.status;
export const pools = getNetworkVolumeOffers({ filter: {}, sizeGb: 100 }).apply((offers) => offers.map((o) => o.cluster_id));
`;

test(
  "a network volume through the engine: a bad name is refused before renting, then up, no-op, replace on size, refresh after an out-of-band delete, destroy",
  { timeout: 180_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, networkVolumes: true });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());
    const { pulumi, outputs, config } = await programStack(t, "network-volume-test", program, { VAST_API_KEY: apiKey });
    await config({ "vast:apiUrl": emulator.url, sizeGb: "30", volumeName: "not a name" });

    await assert.rejects(pulumi("up", "--yes"), (error: Error) => {
      assert.match(error.message, /name/);
      assert.match(error.message, /letters, digits and underscores/);
      return true;
    });
    assert.equal(emulator.stats().byEndpoint["PUT /api/v0/network_volumes"], undefined, "nothing was rented");

    await config({ volumeName: "shared_data" });
    await pulumi("up", "--yes");
    const first = await outputs();
    assert.deepEqual([first.size, first.status], [30, "available"]);
    assert.ok(first.pools.includes(first.clusterId));
    assert.deepEqual(
      (await client.listVolumes("network_volume")).map((v) => [v.id, v.name, v.cluster_id]),
      [[first.volumeId, "shared_data", first.clusterId]],
    );
    await pulumi("up", "--yes", "--expect-no-changes");

    // No resize on Vast: a new size is a new volume, and the old one is deleted.
    await config({ sizeGb: "45" });
    assert.match(await pulumi("up", "--yes"), /1 replaced/);
    const second = await outputs();
    assert.notEqual(second.volumeId, first.volumeId);
    assert.deepEqual(
      (await client.listVolumes("network_volume")).map((v) => [v.id, v.disk_space]),
      [[second.volumeId, 45]],
    );

    // Deleted behind Pulumi's back: refresh drops it, and the next up rents it again.
    await client.deleteVolume(second.volumeId);
    assert.match(await pulumi("refresh", "--yes"), /1 deleted/);
    assert.match(await pulumi("up", "--yes"), /1 created/);
    const third = await outputs();

    await pulumi("destroy", "--yes");
    assert.deepEqual(await client.listVolumes("all_volume"), [], "destroy leaves no volume");
    assert.ok(third.volumeId > second.volumeId);
  },
);
