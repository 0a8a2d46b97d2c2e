/**
 * The real Pulumi engine on the local stack program against the emulator: up, a no-op up, a
 * no-op refresh, a label change in place, drift noticed by refresh, destroy leaving nothing, and
 * the API key nowhere in the state.
 */
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { pulumiStack } from "../_support/pulumi.ts";

const apiKey = "engine-test-key-5f1c9a7e2b";

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test("pulumi up, no-op up and refresh, in-place label change, drift, destroy: all against the emulator", { timeout: 300_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 300, stoppingMs: 100, startingMs: 100, rebootMs: 100 } });
  t.after(() => emulator.close());
  const config = { "vast:apiUrl": emulator.url, "vast-kit:image": "vastai/base-image:test", "vast-kit:instanceCount": "2", "vast-kit:gpuName": "RTX 4090", "vast-kit:maxPricePerHour": "5" };
  const stack = await pulumiStack(t, config, { VAST_API_KEY: apiKey });

  await stack.pulumi("up", "--yes");
  const outputs = await stack.outputs();
  assert.deepEqual(outputs.instanceStatuses, ["running", "running"]);
  const ids = outputs.instanceIds as number[];
  assert.deepEqual(emulator.listInstances().map((i) => i.id).sort(), [...ids].sort());
  assert.deepEqual(emulator.listInstances().map((i) => i.label).sort(), ["test-gpu-0", "test-gpu-1"]);
  for (const command of outputs.sshCommands as string[]) assert.match(command, /^ssh -p \d+ root@127\.0\.0\.1$/);

  await stack.pulumi("up", "--yes", "--expect-no-changes");
  await stack.pulumi("refresh", "--yes", "--expect-no-changes");

  await stack.pulumi("config", "set", "vast-kit:instanceLabelPrefix", "renamed");
  const relabel = await stack.pulumi("up", "--yes");
  assert.match(relabel, /2 updated/);
  assert.doesNotMatch(relabel, /replaced|created/);
  assert.deepEqual(emulator.listInstances().map((i) => i.label).sort(), ["renamed-0", "renamed-1"]);
  assert.deepEqual((await stack.outputs()).instanceIds, ids, "the same instances, updated in place");

  // Destroy one instance behind Pulumi's back: refresh must drop it from the state.
  const gone = ids[1]!;
  const destroyed = await fetch(`${emulator.url}/api/v0/instances/${gone}/`, { method: "DELETE", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: "{}" });
  assert.equal(destroyed.status, 200);
  await stack.pulumi("refresh", "--yes");
  const state = JSON.parse(await stack.exportState());
  const instanceIdsInState = state.deployment.resources.filter((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/vast:Instance").map((r: { id: string }) => Number(r.id));
  assert.deepEqual(instanceIdsInState, [ids[0]]);

  // Nothing anywhere in the state holds the API key.
  for (const file of await filesUnder(stack.dir)) {
    assert.ok(!(await readFile(file, "utf8")).includes(apiKey), `${file} contains the API key`);
  }

  await stack.pulumi("destroy", "--yes");
  assert.deepEqual(emulator.listInstances(), []);
  const templates = await fetch(`${emulator.url}/api/v0/template/?select_cols=${encodeURIComponent('["*"]')}&select_filters=${encodeURIComponent("{}")}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await templates.json()) as { templates: Array<{ name: string }> };
  assert.deepEqual(body.templates.filter((tpl) => tpl.name === "vast-kit-test"), [], "the template is gone");
});

test("bad stack config stops before any resource, naming the key", { timeout: 120_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey });
  t.after(() => emulator.close());
  const stack = await pulumiStack(t, { "vast:apiUrl": emulator.url, "vast-kit:diskGb": "4", "vast-kit:maxPricePerHour": "cheap" }, { VAST_API_KEY: apiKey });
  await assert.rejects(stack.pulumi("up", "--yes"), (error: Error) => {
    assert.match(error.message, /vast-kit:maxPricePerHour: must be a decimal number/);
    assert.match(error.message, /vast-kit:diskGb: Vast needs at least 8 GB/);
    return true;
  });
  assert.equal(emulator.stats().total, 0, "no API request was made");
});

test("a stack with no instances publishes the template alone", { timeout: 120_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey });
  t.after(() => emulator.close());
  const stack = await pulumiStack(t, { "vast:apiUrl": emulator.url, "vast-kit:image": "ghcr.io/acme/vast-base:cuda", "vast-kit:instanceCount": "0", "vast-kit:templateName": "published-only" }, { VAST_API_KEY: apiKey });
  await stack.pulumi("up", "--yes");
  const outputs = await stack.outputs();
  assert.match(outputs.templateHashId as string, /^[0-9a-f]{32}$/);
  assert.deepEqual(outputs.instanceIds, []);
  assert.deepEqual(emulator.listInstances(), []);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"] ?? 0, 0, "nothing was rented");
  await stack.pulumi("destroy", "--yes");
});
