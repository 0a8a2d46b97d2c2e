/**
 * The VastInstance provider methods against the emulator over real HTTP, through every fault the
 * emulator can inject: never two billed instances, never an instance Pulumi does not know about,
 * and a clear error each time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastError } from "../../providers/vast/errors.ts";
import * as instance from "../../providers/vast/instance-provider.ts";
import type { InstanceOutputs } from "../../providers/vast/instance-provider.ts";
import type { InstanceInputs } from "../../providers/vast/instance-inputs.ts";
import { emulatorFor } from "./_emulator.ts";

const cheap4090 = { filter: { gpu_name: { eq: "RTX 4090" }, num_gpus: { eq: 1 } }, maxPricePerHour: 5, tries: 3 };

async function checked(raw: Record<string, unknown>): Promise<InstanceInputs> {
  const result = await instance.check({}, raw);
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as InstanceInputs;
}

test("creates an instance from an offer search, waits until running, and reports where to reach it", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "vastai/base-image:latest", ports: ["8080"], label: "trainer" });
  const created = await instance.create(settings, inputs);
  const outs = created.outs as InstanceOutputs;
  assert.equal(outs.status, "running");
  assert.equal(outs.label, "trainer");
  assert.equal(created.id, String(outs.instanceId));
  assert.match(outs.sshCommand ?? "", /^ssh -p \d+ root@/);
  assert.ok(outs.hostPorts["8080/tcp"], "the requested port is published");
  assert.equal(outs.gpuName, "RTX 4090");
  const live = emulator.listInstances();
  assert.equal(live.length, 1);
  assert.equal(live[0]!.label, "trainer");
});

test("a committed create whose answer is lost is adopted, not rented again", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ dropCreateResponse: { next: 1 } });
  const created = await instance.create(settings, await checked({ offer: cheap4090, image: "img" }));
  const live = emulator.listInstances();
  assert.equal(live.length, 1, "exactly one instance exists");
  assert.equal(String(live[0]!.id), created.id);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 1, "the create was not sent twice");
});

test("a 5xx on create is never retried blindly: the provider looks for its label, finds nothing, and rents the next offer", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ serverError: { "PUT /api/v0/asks/:id": { next: 1, status: 502 } } });
  await instance.create(settings, await checked({ offer: cheap4090, image: "img" }));
  assert.equal(emulator.listInstances().length, 1);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 2);
});

test("429 on create and on polls is retried after at least a second, and still yields one instance", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ rateLimit: { "PUT /api/v0/asks/:id": { next: 1 }, "GET /api/v1/instances": { next: 1, plainText: true } } });
  const started = Date.now();
  await instance.create(settings, await checked({ offer: cheap4090, image: "img" }));
  assert.ok(Date.now() - started >= 500, "backoff starts at 1 s ± 50 % jitter");
  assert.equal(emulator.listInstances().length, 1);
});

test("an offer taken between search and rent moves on to the next offer", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ offerTakenOnRent: { next: 2 } });
  await instance.create(settings, await checked({ offer: cheap4090, image: "img" }));
  assert.equal(emulator.listInstances().length, 1);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 3);
});

test("when every offer tried is taken, create fails with a clear error and rents nothing", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ offerTakenOnRent: { next: 10 } });
  await assert.rejects(instance.create(settings, await checked({ offer: { ...cheap4090, tries: 2 }, image: "img" })), (error: VastError) => {
    assert.equal(error.code, "VAST_NO_OFFER");
    assert.match(error.message, /could not rent any of 2 offer\(s\) tried: offer \d+: .*no longer available/);
    return true;
  });
  assert.equal(emulator.listInstances().length, 0);
});

test("no matching offer is a clear error naming the filter", async (t) => {
  const { settings } = await emulatorFor(t);
  await assert.rejects(instance.create(settings, await checked({ offer: { filter: { gpu_name: { eq: "Voodoo 2" } } }, image: "img" })), /no Vast offer matches .*Voodoo 2/);
});

test("an instance that dies while loading fails fast and stays recorded (init failure with its id)", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ dieWhileLoading: { next: 1 } });
  const started = Date.now();
  const error = await instance.create(settings, await checked({ offer: cheap4090, image: "img", readyTimeoutSeconds: 60 })).then(() => undefined, (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> });
  assert.ok(error, "create failed");
  assert.ok(Date.now() - started < 10_000, "it did not wait for the deadline");
  const live = emulator.listInstances();
  assert.equal(live.length, 1);
  assert.equal(error.id, String(live[0]!.id), "the error carries the id so the engine keeps the resource");
  assert.match(error.message, /is not ready: instance \d+ will not become running: it is exited/);
  await instance.remove(settings, error.id!);
  assert.equal(emulator.listInstances().length, 0);
});

test("latency and 5xx on polls only slow the wait down", async (t) => {
  const { emulator, settings } = await emulatorFor(t, { latencyMs: 100 });
  emulator.setFaults({ latencyMs: 100, serverError: { "GET /api/v1/instances": { next: 1, status: 503 } } });
  const created = await instance.create(settings, await checked({ offer: cheap4090, image: "img" }));
  assert.equal((created.outs as InstanceOutputs).status, "running");
});

test("label, state and bid change in place; refresh notices an instance destroyed outside Pulumi", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: { ...cheap4090, type: "bid" }, image: "img", label: "a", bidPrice: 0.5 });
  const created = await instance.create(settings, inputs);
  const olds = created.outs as InstanceOutputs;

  const relabelled = { ...inputs, label: "b", bidPrice: 0.6 };
  const plan = await instance.diff(created.id, olds, relabelled);
  assert.deepEqual(plan.replaces, []);
  assert.equal(plan.changes, true);
  const updated = (await instance.update(settings, created.id, olds, relabelled)).outs as InstanceOutputs;
  assert.equal(updated.label, "b");
  assert.equal(emulator.listInstances()[0]!.label, "b");

  const stopped = (await instance.update(settings, created.id, updated, { ...relabelled, state: "stopped" })).outs as InstanceOutputs;
  assert.equal(stopped.intendedStatus, "stopped");
  const started = (await instance.update(settings, created.id, stopped, relabelled)).outs as InstanceOutputs;
  assert.equal(started.status, "running");

  assert.deepEqual((await instance.diff(created.id, started, { ...relabelled, image: "other" })).replaces, ["image"]);
  assert.equal((await instance.diff(created.id, started, relabelled)).changes, false);

  const refreshed = await instance.read(settings, created.id, started);
  assert.deepEqual(refreshed.props, started, "refresh of an unchanged instance changes nothing");

  await instance.remove(settings, created.id);
  await instance.remove(settings, created.id); // idempotent
  assert.deepEqual(await instance.read(settings, created.id, started), { id: "" });
});

test("a wrong API key is a 401 that says which setting to check, and never echoes the key", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "img" });
  await assert.rejects(instance.create({ ...settings, apiKey: "wrong-key-value" }, inputs), (error: VastError) => {
    assert.equal(error.code, "VAST_HTTP_ERROR");
    assert.equal(error.status, 401);
    assert.match(error.message, /search offers: Vast answered 401: Invalid user key \(check vast:apiKey or VAST_API_KEY\)/);
    assert.doesNotMatch(error.message, /wrong-key-value/);
    return true;
  });
});

test("a missing API key is a config error before any request", async () => {
  const saved = process.env.VAST_API_KEY;
  delete process.env.VAST_API_KEY;
  try {
    await assert.rejects(instance.create({ apiUrl: "http://127.0.0.1:9" }, await checked({ offerId: 1, image: "img" })), /vast:apiKey is not set/);
  } finally {
    if (saved !== undefined) process.env.VAST_API_KEY = saved;
  }
});

test("check names each bad input and lets values unknown during preview through", async () => {
  const bad = await instance.check({}, { offer: cheap4090, offerId: 3, diskGb: 4, image: "img", env: { "1X": "y" } });
  const reasons = (bad.failures ?? []).map((f) => f.reason).join("\n");
  assert.match(reasons, /diskGb: Vast needs at least 8 GB/);
  const preview = await instance.check({}, { offer: cheap4090, templateHashId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
  assert.equal(preview.failures, undefined);
  const envBad = await instance.check({}, { offerId: 3, image: "img", env: { "1X": "y" } });
  assert.match(envBad.failures?.[0]?.reason ?? "", /env key "1X"/);
});
