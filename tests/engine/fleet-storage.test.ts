/**
 * GpuFleet's storage and preemption inputs through the real Pulumi engine against the emulator:
 * an outbid bid instance shows it in its outputs and is kept (`whenOutbid: "wait"`) or replaced by
 * the next offer under the cap (`"replace"`); a fleet mounts one shared network volume on every
 * instance, another a local volume per instance on that instance's machine; destroy leaves nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "fleet-storage-engine-key-91ad";
const timings = { schedulingMs: 50, loadingMs: 150, stoppingMs: 50, startingMs: 50, rebootMs: 50 };

const header = `
import * as pulumi from "@pulumi/pulumi";
import { GpuFleet, defaultPortalApps } from "vast-kit/components";
import { VastNetworkVolume } from "vast-kit/providers/vast";

const config = new pulumi.Config();
// Simulated instances: no portal to wait for.
const base = { image: "registry.example/vast-base:1", apps: defaultPortalApps, portalPassword: "engine-test-password", waitForPortal: false };
`;

const bidProgram = `${header}
const fleet = new GpuFleet("bid", {
  ...base,
  instanceCount: 1,
  offer: { filter: { gpu_name: { eq: "RTX 4090" } }, type: "bid", maxPricePerHour: 0.5 },
  bidPricePerHour: 0.45,
  whenOutbid: config.require("whenOutbid") as "wait" | "replace",
});
export const instanceId = fleet.instances[0]!.instanceId;
export const status = fleet.instances[0]!.status;
export const outbid = fleet.instances[0]!.outbid;
`;

const volumeProgram = `${header}
const shared = new VastNetworkVolume("shared", { sizeGb: 20, offer: { filter: {} } });
const net = new GpuFleet("net", {
  ...base,
  templateName: "net",
  instanceCount: 2,
  offer: { filter: { num_gpus: { eq: 1 } } },
  sharedNetworkVolume: shared,
  volumeMountPath: "/shared",
});
const local = new GpuFleet("local", {
  ...base,
  templateName: "local",
  instanceCount: 2,
  offer: { filter: { gpu_name: { eq: "RTX 4090" } } },
  volumePerInstance: { sizeGb: 10 },
});
export const sharedId = shared.volumeId;
export const netInstances = net.instances.map((i) => i.instanceId);
export const localInstances = local.instances.map((i) => i.instanceId);
export const localVolumes = local.instances.map((i) => i.volumeId);
`;

test(
  "an outbid fleet instance shows outbid; whenOutbid wait keeps it, replace rents the next offer under the cap and destroys it",
  { timeout: 300_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, timings });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());
    const { pulumi, outputs, config } = await programStack(t, "fleet-bid-test", bidProgram, { VAST_API_KEY: apiKey });
    await config({ "vast:apiUrl": emulator.url, whenOutbid: "wait" });

    await pulumi("up", "--yes");
    const first = await outputs();
    assert.deepEqual([first.status, first.outbid], ["running", false]);
    assert.equal((await client.getInstance(first.instanceId))?.is_bid, true);

    emulator.outbid(first.instanceId);
    // Refresh reads it; the stack outputs follow at the next up, which (wait) changes nothing.
    await pulumi("refresh", "--yes");
    const waited = await pulumi("up", "--yes", "--expect-no-changes");
    assert.match(waited, /is outbid: whenOutbid is wait/);
    const seen = await outputs();
    assert.deepEqual([seen.instanceId, seen.status, seen.outbid], [first.instanceId, "outbid", true]);

    await config({ whenOutbid: "replace" });
    const replaced = await pulumi("up", "--yes");
    assert.match(replaced, /1 replaced/);
    const second = await outputs();
    assert.notEqual(second.instanceId, first.instanceId);
    assert.deepEqual([second.status, second.outbid], ["running", false]);
    assert.equal(await client.getInstance(first.instanceId), undefined, "the outbid instance is destroyed: it kept billing storage");
    assert.ok((await client.getInstance(second.instanceId))!.dph_total! <= 0.5 + 0.05, "the next offer is under the cap");

    await pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
  },
);

test(
  "one network volume mounted by every instance of a fleet on its cluster, a local volume per instance on each one's machine, a no-op up, and a destroy that leaves nothing",
  { timeout: 300_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, timings, networkVolumes: true });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());
    const { pulumi, outputs, config } = await programStack(t, "fleet-volume-test", volumeProgram, { VAST_API_KEY: apiKey });
    await config({ "vast:apiUrl": emulator.url });

    await pulumi("up", "--yes");
    const out = await outputs();
    const [shared] = await client.listVolumes("network_volume");
    assert.equal(shared!.id, out.sharedId);
    assert.deepEqual([...shared!.instances!].sort(), [...out.netInstances].sort(), "both instances mount the shared volume");

    const instances = await client.listInstances();
    const mounts = (id: number) =>
      ((instances.find((i) => i.id === id)?.["volume_info"] ?? []) as Array<{ id: number; mount_path: string }>).map((v) => [
        v.id,
        v.mount_path,
      ]);
    for (const id of out.netInstances) assert.deepEqual(mounts(id), [[out.sharedId, "/shared"]]);
    const locals = await client.listVolumes("local_volume");
    out.localInstances.forEach((id: number, i: number) => {
      const volume = locals.find((v) => v.id === out.localVolumes[i]);
      assert.deepEqual(volume?.instances, [id], "each instance has its own volume");
      assert.equal(instances.find((x) => x.id === id)?.machine_id, volume?.machine_id, "on the volume's machine");
      assert.deepEqual(mounts(id), [[volume!.id, "/data"]]);
    });

    await pulumi("up", "--yes", "--expect-no-changes");
    await pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
    assert.deepEqual(await client.listVolumes("all_volume"), [], "destroy deletes the volumes once their instances are gone");
  },
);
