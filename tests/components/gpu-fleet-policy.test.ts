/** GpuFleet hands its drift policies to every instance, and leaves them out (the provider's defaults) unless set or implied by autostop. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { only, valueOf } from "./_mocks.ts";

const { GpuFleet } = await import("../../components/gpu-fleet.ts");
const { defaultPortalApps } = await import("../../components/portal-apps.ts");

const offer = { filter: { gpu_name: { eq: "RTX 4090" } } };

test("whenStopped and whenDestroyed reach every instance of the fleet; unset, the instances get neither, except leave with autostop", async () => {
  const left = new GpuFleet("left", {
    image: "img",
    apps: defaultPortalApps,
    instanceCount: 2,
    offer,
    whenStopped: "leave",
    whenDestroyed: "leave",
  });
  const plain = new GpuFleet("plain", { image: "img", apps: defaultPortalApps, instanceCount: 1, offer });
  const idle = new GpuFleet("idle", { image: "img", apps: defaultPortalApps, instanceCount: 1, offer, autostop: { idleMinutes: 30 } });
  const restarted = new GpuFleet("restarted", {
    image: "img",
    apps: defaultPortalApps,
    instanceCount: 1,
    offer,
    autostop: { idleMinutes: 30 },
    whenStopped: "start",
  });
  await Promise.all([...left.instances, ...plain.instances, ...idle.instances, ...restarted.instances].map((i) => valueOf(i.instanceId)));
  const instances = only("pulumi-nodejs:dynamic/vast:Instance");
  assert.deepEqual(
    instances.map((i) => [i.name, i.inputs.whenStopped, i.inputs.whenDestroyed]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    [
      ["idle-0", "leave", undefined],
      ["left-0", "leave", "leave"],
      ["left-1", "leave", "leave"],
      ["plain-0", undefined, undefined],
      ["restarted-0", "start", undefined],
    ],
  );
  assert.equal(left.instances.length, 2);
  assert.ok("drift" in left.instances[0]!, "each fleet instance carries its drift output");
});
