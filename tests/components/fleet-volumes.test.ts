/** GpuFleet's volume, bid and outbid inputs under Pulumi mocks: what each instance is rented with, and refusals before any resource. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { only, registered, valueOf } from "./_mocks.ts";

const { GpuFleet } = await import("../../components/gpu-fleet.ts");
const { defaultPortalApps } = await import("../../components/portal-apps.ts");

const offer = { filter: { num_gpus: { eq: 1 } }, maxPricePerHour: 1 };

test("every instance mounts the shared network volume at the mount path and is rented on its cluster", async () => {
  const fleet = new GpuFleet("shared", {
    image: "img",
    apps: defaultPortalApps,
    instanceCount: 2,
    offer,
    sharedNetworkVolume: { volumeId: 9001, clusterId: 4002 },
    volumeMountPath: "/shared",
  });
  await valueOf(fleet.pricePerHour);
  const instances = only("pulumi-nodejs:dynamic/vast:Instance").filter((r) => r.name.startsWith("shared-"));
  assert.equal(instances.length, 2);
  for (const instance of instances) {
    assert.deepEqual(instance.inputs.volume, { volumeId: 9001, mountPath: "/shared" });
    assert.deepEqual(instance.inputs.offer, { ...offer, filter: { num_gpus: { eq: 1 }, cluster_id: { eq: 4002 } } });
  }
});

test("a bid fleet rents interruptible instances with its outbid policy", async () => {
  const fleet = new GpuFleet("bids", {
    image: "img",
    apps: defaultPortalApps,
    instanceCount: 1,
    offer: { ...offer, type: "bid" },
    bidPricePerHour: 0.3,
    whenOutbid: "replace",
  });
  await valueOf(fleet.pricePerHour);
  const [instance] = only("pulumi-nodejs:dynamic/vast:Instance").filter((r) => r.name === "bids-0");
  assert.deepEqual([instance!.inputs.bidPrice, instance!.inputs.whenOutbid, instance!.inputs.volume], [0.3, "replace", undefined]);
});

test("both volume kinds, or a mount path that is not absolute, are refused before any resource, naming the component", async () => {
  const children = () => registered.filter((r) => r.type !== "vast-kit:fleet:GpuFleet").length;
  const before = children();
  assert.throws(
    () =>
      new GpuFleet("both", {
        image: "img",
        apps: defaultPortalApps,
        instanceCount: 1,
        offer,
        volumePerInstance: {},
        sharedNetworkVolume: { volumeId: 1, clusterId: 4001 },
      }),
    /GpuFleet both: set volumePerInstance or sharedNetworkVolume, not both/,
  );
  assert.throws(
    () => new GpuFleet("relative", { image: "img", apps: defaultPortalApps, instanceCount: 1, offer, volumeMountPath: "data" }),
    /GpuFleet relative: volumeMountPath "data" must be an absolute Linux path/,
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(children(), before, "no child resource was registered");
});
