/**
 * The VastInstance provider methods against the emulator over real HTTP, with the documented rate
 * limits on, through every fault the emulator can inject: never two billed instances, never an
 * instance Pulumi does not know about, and a clear error each time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastClient } from "../../providers/vast/client.ts";
import type { ProviderSettings } from "../../providers/vast/config.ts";
import { VastError } from "../../providers/vast/errors.ts";
import * as instance from "../../providers/vast/instance-provider.ts";
import type { InstanceOutputs } from "../../providers/vast/instance-provider.ts";
import type { InstanceInputs } from "../../providers/vast/instance-inputs.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

const cheap4090 = { filter: { gpu_name: { eq: "RTX 4090" }, num_gpus: { eq: 1 } }, maxPricePerHour: 5, tries: 3 };
let resources = 0;

/** Checked inputs; each call is a new resource of project `p`, stack `s`. */
async function checked(raw: Record<string, unknown>): Promise<InstanceInputs> {
  const result = await instance.check({}, { owner: { project: "p", stack: "s", resource: `r${++resources}` }, ...raw });
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as InstanceInputs;
}

/** Short timeouts and windows so the unknown-outcome paths run in seconds. */
function quick(settings: ProviderSettings, windowMs = 4000): ProviderSettings {
  return { ...settings, tuning: { client: { createTimeoutMs: 1000, minRetryDelayMs: 200 }, unknownOutcomeWindowMs: windowMs } };
}

/** Runs `action` and returns what it wrote on stderr (the provider's progress lines). */
async function stderrOf(action: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await action();
  } finally {
    console.error = original;
  }
  return lines.join("\n");
}

test("creates an instance from an offer search, waits until running, and reports where to reach it", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "vastai/base-image:latest", ports: ["8080"], label: "trainer" });
  const created = await instance.create(settings, inputs);
  const outs = created.outs as InstanceOutputs;
  assert.equal(outs.status, "running");
  assert.equal(outs.label, "trainer");
  assert.equal(outs.tag, instance.tagFor(inputs));
  assert.match(outs.tag ?? "", /^vk:p\/s\/r\d+#[0-9a-f]{8}$/);
  assert.equal(created.id, String(outs.instanceId));
  assert.match(outs.sshCommand ?? "", /^ssh -p \d+ root@/);
  assert.ok(outs.hostPorts["8080/tcp"], "the requested port is published");
  assert.equal(outs.gpuName, "RTX 4090");
  const live = emulator.listInstances();
  assert.equal(live.length, 1);
  assert.equal(live[0]!.label, `trainer ${outs.tag}`, "the label carries the tag from the create on");
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/instances/:id"] ?? 0, 0, "no relabelling after the create");
});

test("a committed create whose answer is lost is adopted, not rented again", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ dropCreateResponse: { next: 1 } });
  const created = await instance.create(quick(settings), await checked({ offer: cheap4090, image: "img" }));
  const live = emulator.listInstances();
  assert.equal(live.length, 1, "exactly one instance exists");
  assert.equal(String(live[0]!.id), created.id);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 1, "the create was not sent twice");
});

test("a 502 on create is never retried blindly: the tag is looked for over a window, then the next offer is rented", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ serverError: { "PUT /api/v0/asks/:id": { next: 1, status: 502 } } });
  const inputs = await checked({ offer: cheap4090, image: "img" });
  const lines = await stderrOf(() => instance.create(quick(settings, 3000), inputs));
  assert.equal(emulator.listInstances().length, 1);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 2);
  assert.ok((emulator.stats().byEndpoint["GET /api/v1/instances"] ?? 0) >= 4, "several lookups, not one");
  assert.match(lines, /create got no answer \(create instance on offer \d+: Vast answered 502: an HTML error page \("502 Bad Gateway"\)\)/);
  assert.doesNotMatch(lines, /<html|<center/);
});

test("when the create's outcome stays unknown (its answer late, the list failing), nothing else is rented and the error names the tag", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ slowAnswer: { "PUT /api/v0/asks/:id": { next: 1, ms: 2000 } } });
  const inputs = await checked({ offer: cheap4090, image: "img" });
  const creating = instance.create(quick(settings, 2500), inputs);
  while (!emulator.stats().byEndpoint["PUT /api/v0/asks/:id"]) await new Promise((r) => setTimeout(r, 20));
  emulator.setFaults({ serverError: { "GET /api/v1/instances": { next: 1000, status: 503 } } });
  await assert.rejects(creating, (error: VastError) => {
    assert.equal(error.code, "VAST_OUTCOME_UNKNOWN");
    assert.ok(error.message.includes(`labelled "${instance.tagFor(inputs)}"`), error.message);
    assert.match(error.message, /Nothing else was rented\. When Vast answers again, run `pulumi up`/);
    assert.doesNotMatch(error.message, /<html/);
    return true;
  });
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 1, "no second rent");
  emulator.setFaults({});
  const created = await instance.create(quick(settings), inputs);
  assert.equal(emulator.listInstances().length, 1, "the next up adopts the instance the lost create rented");
  assert.equal(created.id, String(emulator.listInstances()[0]!.id));
});

test("a create answered after the client's timeout is adopted, not rented again", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ slowAnswer: { "PUT /api/v0/asks/:id": { next: 1, ms: 2500 } } });
  const created = await instance.create(quick(settings), await checked({ offer: cheap4090, image: "img" }));
  assert.deepEqual(
    emulator.listInstances().map((i) => String(i.id)),
    [created.id],
  );
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 1);
});

test("before renting, create adopts a live instance carrying its tag and destroys other copies", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "img", label: "mine" });
  const label = `mine ${instance.tagFor(inputs)}`;
  const client = new VastClient({ apiUrl: settings.apiUrl!, apiKey: testApiKey });
  t.after(() => client.close());
  const offers = await client.searchOffers({ gpu_name: { eq: "RTX 4090" }, order: [["dph_total", "asc"]], limit: 2 });
  const first = await client.createInstance(offers[0]!.id, { client_id: "me", image: "img", label, disk: 16, env: {} });
  const copy = await client.createInstance(offers[1]!.id, { client_id: "me", image: "img", label, disk: 16, env: {} });
  emulator.resetStats();
  const created = await instance.create(settings, inputs);
  assert.ok([String(first), String(copy)].includes(created.id));
  assert.deepEqual(
    emulator.listInstances().map((i) => String(i.id)),
    [created.id],
    "the other copy is destroyed",
  );
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"] ?? 0, 0, "nothing rented");
  assert.equal((created.outs as InstanceOutputs).offerId, null);
});

test("eight concurrent creates share one offer search, rent eight offers, and stay under the rate limits", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const all = await Promise.all(
    Array.from({ length: 8 }, async () => instance.create(settings, await checked({ offer: cheap4090, image: "img" }))),
  );
  assert.equal(new Set(all.map((c) => (c.outs as InstanceOutputs).offerId)).size, 8);
  assert.equal(emulator.listInstances().length, 8);
  const stats = emulator.stats().byEndpoint;
  assert.equal(stats["POST /api/v0/bundles"], 1);
  assert.equal(stats["PUT /api/v0/asks/:id"], 8);
  assert.ok((stats["GET /api/v1/instances"] ?? 0) <= 6, `lookups and polls are shared: ${stats["GET /api/v1/instances"]}`);
});

test("a storm of 429s on creates and lookups delays the create but does not fail it", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ rateLimit: { "PUT /api/v0/asks/:id": { next: 4 }, "GET /api/v1/instances": { next: 3, plainText: true } } });
  await instance.create(quick(settings), await checked({ offer: cheap4090, image: "img" }));
  assert.equal(emulator.listInstances().length, 1);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 5);
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
  await assert.rejects(
    instance.create(settings, await checked({ offer: { ...cheap4090, tries: 2 }, image: "img" })),
    (error: VastError) => {
      assert.equal(error.code, "VAST_NO_OFFER");
      assert.match(error.message, /could not rent any of 2 offer\(s\) tried: offer \d+: .*no longer available/);
      return true;
    },
  );
  assert.equal(emulator.listInstances().length, 0);
});

test("no matching offer is a clear error naming the filter", async (t) => {
  const { settings } = await emulatorFor(t);
  await assert.rejects(
    instance.create(settings, await checked({ offer: { filter: { gpu_name: { eq: "Voodoo 2" } } }, image: "img" })),
    /no Vast offer matches .*Voodoo 2/,
  );
});

test("an instance that dies while loading fails fast and stays recorded (init failure with its id)", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  emulator.setFaults({ dieWhileLoading: { next: 1 } });
  const started = Date.now();
  const error = await instance.create(settings, await checked({ offer: cheap4090, image: "img", readyTimeoutSeconds: 60 })).then(
    () => undefined,
    (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> },
  );
  assert.ok(error, "create failed");
  assert.ok(Date.now() - started < 10_000, "it did not wait for the deadline");
  const live = emulator.listInstances();
  assert.equal(live.length, 1);
  assert.equal(error.id, String(live[0]!.id), "the error carries the id so the engine keeps the resource");
  assert.equal((error as VastError).code, "VAST_INSTANCE_NOT_READY");
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
  const plan = await instance.diff(created.id, olds, relabelled, settings);
  assert.deepEqual(plan.replaces, []);
  assert.equal(plan.changes, true);
  const updated = (await instance.update(settings, created.id, olds, relabelled)).outs as InstanceOutputs;
  assert.equal(updated.label, "b");
  assert.equal(emulator.listInstances()[0]!.label, `b ${olds.tag}`, "the tag stays behind the new label");

  const stopped = (await instance.update(settings, created.id, updated, { ...relabelled, state: "stopped" })).outs as InstanceOutputs;
  assert.equal(stopped.intendedStatus, "stopped");
  const started = (await instance.update(settings, created.id, stopped, relabelled)).outs as InstanceOutputs;
  assert.equal(started.status, "running");

  assert.deepEqual((await instance.diff(created.id, started, { ...relabelled, image: "other" }, settings)).replaces, ["image"]);
  assert.equal((await instance.diff(created.id, started, relabelled, settings)).changes, false);

  const refreshed = await instance.read(settings, created.id, started);
  assert.deepEqual(refreshed.props, started, "refresh of an unchanged instance changes nothing");

  await instance.remove(settings, created.id);
  await instance.remove(settings, created.id); // idempotent
  assert.deepEqual(await instance.read(settings, created.id, started), { id: "" });
});

test("up notices changes made outside Pulumi: a destroyed instance is replaced, a stopped one is started", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "img" });
  const created = await instance.create(settings, inputs);
  const olds = created.outs as InstanceOutputs;
  const client = new VastClient({ apiUrl: settings.apiUrl!, apiKey: testApiKey });
  t.after(() => client.close());

  await client.manageInstance(Number(created.id), { state: "stopped" });
  const stoppedPlan = await instance.diff(created.id, olds, inputs, settings);
  assert.deepEqual({ changes: stoppedPlan.changes, replaces: stoppedPlan.replaces }, { changes: true, replaces: [] });
  const restarted = (await instance.update(settings, created.id, olds, inputs)).outs as InstanceOutputs;
  assert.equal(restarted.status, "running");

  await client.destroyInstance(Number(created.id));
  assert.deepEqual((await instance.diff(created.id, restarted, inputs, settings)).replaces, ["instanceId"]);
  assert.equal(emulator.listInstances().length, 0);
});

test("pulumi up --replace of unchanged inputs keeps the instance: the replacement adopts it and the old delete leaves it", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "img" });
  const created = await instance.create(settings, inputs);
  const replacement = await instance.create(settings, inputs);
  assert.equal(replacement.id, created.id);
  await instance.remove(settings, created.id);
  assert.deepEqual(
    emulator.listInstances().map((i) => String(i.id)),
    [created.id],
  );
});

test("a wrong API key is a 401 that says which setting to check, and never echoes the key", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = await checked({ offer: cheap4090, image: "img" });
  await assert.rejects(instance.create({ ...settings, apiKey: "wrong-key-value" }, inputs), (error: VastError) => {
    assert.equal(error.code, "VAST_HTTP_ERROR");
    assert.equal(error.status, 401);
    assert.match(error.message, /list instances: Vast answered 401: Invalid user key \(check vast:apiKey or VAST_API_KEY\)/);
    assert.doesNotMatch(error.message, /wrong-key-value/);
    return true;
  });
});

test("a missing API key is a config error before any request", async () => {
  const saved = process.env.VAST_API_KEY;
  delete process.env.VAST_API_KEY;
  try {
    await assert.rejects(
      instance.create({ apiUrl: "http://127.0.0.1:9" }, await checked({ offerId: 1, image: "img" })),
      /vast:apiKey is not set/,
    );
  } finally {
    if (saved !== undefined) process.env.VAST_API_KEY = saved;
  }
});

test("check names each bad input and lets values unknown during preview through", async () => {
  const owner = { project: "p", stack: "s", resource: "r" };
  const bad = await instance.check(
    {},
    { owner, offer: cheap4090, offerId: 3, diskGb: 4, image: "img", env: { "1X": "y" }, label: "x".repeat(101) },
  );
  const reasons = (bad.failures ?? []).map((f) => f.reason).join("\n");
  assert.match(reasons, /diskGb: Vast needs at least 8 GB/);
  assert.match(reasons, /label: must be at most 100 characters: the kit's tag follows it/);
  assert.match((await instance.check({}, { offerId: 3, image: "img" })).failures?.[0]?.reason ?? "", /owner/);
  const preview = await instance.check({}, { owner, offer: cheap4090, templateHashId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
  assert.equal(preview.failures, undefined);
  const envBad = await instance.check({}, { owner, offerId: 3, image: "img", env: { "1X": "y" } });
  assert.match(envBad.failures?.[0]?.reason ?? "", /env key "1X"/);
});

test("a stack budget lets through the rents that fit, even when three run at once, and refuses the rest before renting", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const client = new VastClient({ apiUrl: settings.apiUrl!, apiKey: testApiKey });
  t.after(() => client.close());
  const query = {
    gpu_name: { eq: "RTX 4090" },
    num_gpus: { eq: 1 },
    verified: { eq: true },
    external: { eq: false },
    rentable: { eq: true },
    rented: { eq: false },
  };
  const [p1, p2, p3] = (await client.searchOffers({ ...query, order: [["dph_total", "asc"]], allocated_storage: 16, limit: 3 })).map(
    (o) => o.dph_total!,
  );
  // Any two of the three cheapest fit; all three do not.
  const budget = Math.round((p2! + p3! + 0.0005) * 10_000) / 10_000;
  const owner = { project: "p", stack: "budget" };
  const inputs = async (resource: string) =>
    (await instance.check({}, { owner: { ...owner, resource }, offer: cheap4090, image: "img", stackBudgetPerHour: budget }))
      .inputs as InstanceInputs;
  const results = await Promise.allSettled(["a", "b", "c"].map(async (r) => instance.create(settings, await inputs(r))));
  const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as VastError);
  assert.equal(emulator.listInstances().length, 2, "two rents fit the budget");
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.code, "VAST_BUDGET_EXCEEDED");
  assert.match(
    refused[0]!.message,
    new RegExp(
      `would bring stack p/budget to \\$[\\d.]+/h, above its budget of \\$${String(budget).replace(".", "\\.")}/h \\(running and being rented now: \\$[\\d.]+/h\\); nothing was rented`,
    ),
  );
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 2, "the refused one sent no create");
  assert.ok(p1! > 0);
});
