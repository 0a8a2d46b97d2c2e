/**
 * VastVolume and the lookups through the real Pulumi engine, in a throwaway program against the
 * emulator: up, no-op up, a size change that replaces, adoption of an existing volume by id,
 * refresh after an out-of-band delete, and destroy that lets the adopted one go (retainOnDelete).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "volume-engine-key-4e8b1c";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastVolume, getCurrentUser, getVolumeOffers } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const data = new VastVolume("data", { sizeGb: config.requireNumber("sizeGb"), name: "data_vol", offer: { filter: { geolocation: { neq: "nowhere" } } } });
const adoptId = config.getNumber("adoptId");
const adopted = adoptId === undefined ? undefined : new VastVolume("adopted", { adoptId }, { retainOnDelete: true });

export const dataId = data.volumeId;
export const dataSize = data.diskSpaceGb;
export const adoptedId = adopted?.volumeId;
export const credit = getCurrentUser().apply((user) => user.credit);
export const offerCount = getVolumeOffers({ filter: {}, limit: 3 }).apply((offers) => offers.length);
`;

test(
  "a volume through the engine: up, no-op, replace on size, adopt, refresh after an out-of-band delete, let go",
  { timeout: 120_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());

    const { pulumi, outputs } = await programStack(t, "volume-test", program, { VAST_API_KEY: apiKey });
    await pulumi("config", "set", "vast:apiUrl", emulator.url);
    await pulumi("config", "set", "sizeGb", "10");

    await pulumi("up", "--yes");
    const first = await outputs();
    assert.equal(first.dataSize, 10);
    assert.equal(typeof first.credit, "number");
    assert.equal(first.offerCount, 3);
    assert.deepEqual(
      (await client.listVolumes()).map((v) => [v.id, v.name]),
      [[first.dataId, "data_vol"]],
    );
    await pulumi("up", "--yes", "--expect-no-changes");

    // A size change replaces the rented volume; an adoptId takes over a volume made elsewhere without renting.
    const stranger = await client.createVolume({
      id: (await client.searchVolumeOffers({ limit: 1 }))[0]!.id,
      size: 5,
      name: "made_elsewhere",
    });
    await pulumi("config", "set", "sizeGb", "12");
    await pulumi("config", "set", "adoptId", String(stranger));
    const second = await pulumi("up", "--yes");
    assert.match(second, /1 created/);
    assert.match(second, /1 replaced/);
    const after = await outputs();
    assert.equal(after.dataSize, 12);
    assert.notEqual(after.dataId, first.dataId);
    assert.equal(after.adoptedId, stranger);
    assert.deepEqual(
      (await client.listVolumes()).map((v) => v.id).sort(),
      [after.dataId, stranger].sort(),
      "the old volume is gone and adopting rented nothing",
    );

    // Deleted behind Pulumi's back: refresh drops it from the stack.
    await client.deleteVolume(after.dataId);
    assert.match(await pulumi("refresh", "--yes"), /1 deleted/);

    await pulumi("destroy", "--yes");
    assert.deepEqual(
      (await client.listVolumes()).map((v) => v.id),
      [stranger],
      "destroy deletes the rented volume and lets the adopted one go",
    );
  },
);
