import assert from "node:assert/strict";
import { test } from "node:test";
import { only, registered, valueOf } from "./_mocks.ts";

const { GpuFleet } = await import("../../components/gpu-fleet.ts");
const { autostopEnv } = await import("../../components/autostop.ts");
const { defaultPortalApps } = await import("../../components/portal-apps.ts");
const { loadSettings } = await import("../../portal/config.ts");

const offer = { filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 1 };

test("a fleet's autostop reaches its instances as template env the image reads back unchanged", async () => {
  const fleet = new GpuFleet("idle", {
    image: "img",
    apps: defaultPortalApps,
    instanceCount: 1,
    offer,
    autostop: { idleMinutes: 45, action: "destroy", gpuThreshold: 12.5, cpuThreshold: 50 },
  });
  await valueOf(fleet.instances[0]!.instanceId);
  const template = only("pulumi-nodejs:dynamic/vast:Template").find((t) => t.name === "idle");
  const env = template!.inputs.env as Record<string, string>;
  assert.deepEqual(Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith("AUTOSTOP_"))), {
    AUTOSTOP_IDLE_MINUTES: "45",
    AUTOSTOP_ACTION: "destroy",
    AUTOSTOP_GPU_THRESHOLD: "12.5",
    AUTOSTOP_CPU_THRESHOLD: "50",
  });
  const inImage = loadSettings(env).autostop;
  assert.deepEqual([inImage.idleMinutes, inImage.action, inImage.gpuThreshold, inImage.cpuThreshold], [45, "destroy", 12.5, 50]);
});

test("without autostop the template carries no AUTOSTOP_ variable, and only the idle minutes are required", async () => {
  const fleet = new GpuFleet("busy", { image: "img", apps: defaultPortalApps, instanceCount: 0 });
  await valueOf(fleet.templateId);
  const template = only("pulumi-nodejs:dynamic/vast:Template").find((t) => t.name === "busy");
  assert.deepEqual(
    Object.keys(template!.inputs.env).filter((key) => key.startsWith("AUTOSTOP_")),
    [],
  );
  assert.deepEqual(autostopEnv("x", { idleMinutes: 30 }), { AUTOSTOP_IDLE_MINUTES: "30", AUTOSTOP_ACTION: "stop" });
});

test("a bad autostop value names the field and the rule, and nothing is registered", () => {
  const before = registered.length;
  for (const [autostop, message] of [
    [{ idleMinutes: 0 }, "GpuFleet bad: autostop.idleMinutes must be at least 1, got 0"],
    [{ idleMinutes: 2.5 }, "GpuFleet bad: autostop.idleMinutes must be a whole number of minutes, got 2.5"],
    [{ idleMinutes: 20_000 }, "GpuFleet bad: autostop.idleMinutes must be at most 10080 (a week), got 20000"],
    [{ idleMinutes: 10, action: "pause" }, 'GpuFleet bad: autostop.action must be "stop" or "destroy", got "pause"'],
    [{ idleMinutes: 10, cpuThreshold: 250 }, "GpuFleet bad: autostop.cpuThreshold must be a percentage from 0 to 100, got 250"],
    [{ idleMinutes: 10, gpuThreshold: -1 }, "GpuFleet bad: autostop.gpuThreshold must be a percentage from 0 to 100, got -1"],
  ] as const) {
    assert.throws(
      () => new GpuFleet("bad", { image: "img", apps: defaultPortalApps, instanceCount: 1, offer, autostop: autostop as never }),
      (err: Error) => err.message === message,
      message,
    );
  }
  assert.equal(
    registered.slice(before).filter((r) => r.type !== "vast-kit:fleet:GpuFleet").length,
    0,
    "no template, secret or instance was registered",
  );
});
