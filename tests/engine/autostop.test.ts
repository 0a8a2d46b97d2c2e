/**
 * The stack's autostop settings with the real engine against the emulator: they reach every
 * instance's env through the template (where the image's portal reads them, tests/image/autostop.test.ts),
 * and a bad one stops `pulumi up` before anything is rented.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { pulumiStack } from "../_support/pulumi.ts";

const apiKey = "engine-autostop-key-3c9d";

test("vast-kit:autostopIdleMinutes and autostopAction reach each instance's env through the template", { timeout: 300_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 300 } });
  t.after(() => emulator.close());
  const stack = await pulumiStack(
    t,
    {
      "vast:apiUrl": emulator.url,
      "vast-kit:image": "img:tag",
      "vast-kit:instanceCount": "1",
      // A simulated instance has no portal to wait for.
      "vast-kit:waitForPortal": "false",
      "vast-kit:autostopIdleMinutes": "45",
      "vast-kit:autostopAction": "destroy",
    },
    { VAST_API_KEY: apiKey },
  );
  await stack.pulumi("up", "--yes");
  const [id] = (await stack.outputs()).instanceIds as number[];
  const shown = await fetch(`${emulator.url}/api/v0/instances/${id}/`, { headers: { authorization: `Bearer ${apiKey}` } });
  const env = Object.fromEntries(((await shown.json()) as { instances: { extra_env: Array<[string, string]> } }).instances.extra_env);
  assert.equal(env["AUTOSTOP_IDLE_MINUTES"], "45");
  assert.equal(env["AUTOSTOP_ACTION"], "destroy");
  await stack.pulumi("destroy", "--yes");
  assert.deepEqual(emulator.listInstances(), []);
});

test("a bad autostop setting stops pulumi up before anything is rented, naming the key", { timeout: 300_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 300 } });
  t.after(() => emulator.close());
  const stack = await pulumiStack(
    t,
    { "vast:apiUrl": emulator.url, "vast-kit:image": "img:tag", "vast-kit:instanceCount": "1", "vast-kit:autostopIdleMinutes": "0" },
    { VAST_API_KEY: apiKey },
  );
  await assert.rejects(
    stack.pulumi("up", "--yes"),
    /vast-kit:autostopIdleMinutes: must be at least 1 idle minute, or empty for no autostop/,
  );
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"] ?? 0, 0, "nothing was rented");
  assert.deepEqual(emulator.listInstances(), []);
});
