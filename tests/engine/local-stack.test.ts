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

test(
  "pulumi up, no-op up and refresh, in-place label change, drift, destroy: all against the emulator",
  { timeout: 300_000 },
  async (t) => {
    const emulator = await startEmulator({
      apiKey,
      timings: { schedulingMs: 100, loadingMs: 300, stoppingMs: 100, startingMs: 100, rebootMs: 100 },
    });
    t.after(() => emulator.close());
    const config = {
      "vast:apiUrl": emulator.url,
      "vast-kit:image": "vastai/base-image:test",
      "vast-kit:instanceCount": "2",
      "vast-kit:gpuName": "RTX 4090",
      "vast-kit:maxPricePerHour": "5",
      // The emulator's simulated instances run no portal: nothing would ever answer.
      "vast-kit:waitForPortal": "false",
    };
    const stack = await pulumiStack(t, config, { VAST_API_KEY: apiKey });

    const logs = [await stack.pulumi("up", "--yes")];
    const outputs = await stack.outputs();
    assert.deepEqual(outputs.instanceStatuses, ["running", "running"]);
    const prices = outputs.instancePricesPerHour as number[];
    assert.ok(
      prices.every((price) => price > 0 && price <= 5),
      "each instance reports its $/hour, under the cap",
    );
    assert.equal(outputs.pricePerHour, Math.round((prices[0]! + prices[1]!) * 10_000) / 10_000);
    const ids = outputs.instanceIds as number[];
    assert.deepEqual(
      emulator
        .listInstances()
        .map((i) => i.id)
        .sort(),
      [...ids].sort(),
    );
    const labels = emulator
      .listInstances()
      .map((i) => i.label ?? "")
      .sort();
    assert.equal(labels.length, 2);
    labels.forEach((label, i) =>
      assert.match(label, new RegExp(`^vk:vast-kit/test/fleet-${i}#[0-9a-f]{8}$`), "every rent carries its tag"),
    );
    for (const command of outputs.sshCommands as string[]) assert.match(command, /^ssh -p \d+ root@127\.0\.0\.1$/);

    logs.push(await stack.pulumi("up", "--yes", "--expect-no-changes"));
    logs.push(await stack.pulumi("refresh", "--yes", "--expect-no-changes"));

    await stack.pulumi("config", "set", "vast-kit:instanceLabelPrefix", "renamed");
    const relabel = await stack.pulumi("up", "--yes");
    assert.match(relabel, /2 updated/);
    assert.doesNotMatch(relabel, /replaced|created/);
    assert.deepEqual(
      emulator
        .listInstances()
        .map((i) => i.label)
        .sort(),
      labels.map((label, i) => `renamed-${i} ${label}`),
    );
    assert.deepEqual((await stack.outputs()).instanceIds, ids, "the same instances, updated in place");

    // Behind Pulumi's back: one instance destroyed, the other stopped. `up` alone notices both.
    const [kept, gone] = ids as [number, number];
    const vast = async (method: string, path: string, body: unknown): Promise<Response> => {
      // The emulator enforces Vast's rate limits, on this test's calls as on the provider's.
      for (;;) {
        const res = await fetch(`${emulator.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        if (res.status !== 429) return res;
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    assert.equal((await vast("DELETE", `/api/v0/instances/${gone}/`, {})).status, 200);
    assert.equal((await vast("PUT", `/api/v0/instances/${kept}/`, { state: "stopped" })).status, 200);
    const healed = await stack.pulumi("up", "--yes");
    logs.push(relabel, healed);
    assert.match(healed, /1 updated/);
    assert.match(healed, /1 replaced/);
    const after = await stack.outputs();
    assert.equal((after.instanceIds as number[])[0], kept);
    assert.notEqual((after.instanceIds as number[])[1], gone);
    assert.deepEqual(after.instanceStatuses, ["running", "running"]);
    assert.deepEqual(
      emulator
        .listInstances()
        .map((i) => i.id)
        .sort(),
      [...(after.instanceIds as number[])].sort(),
    );

    // The template carries no secret: the portal password reaches each instance in its create request.
    const password = new URL((await stack.outputs(true)).portalUrls[0]).searchParams.get("token")!;
    const templateSearch = await fetch(
      `${emulator.url}/api/v0/template/?select_cols=${encodeURIComponent('["*"]')}&select_filters=${encodeURIComponent("{}")}`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    );
    const published = JSON.stringify(await templateSearch.json());
    assert.ok(published.includes("PORTAL_CONFIG"), "the template is there");
    assert.ok(!published.includes(password), "the portal password is not in the template");

    for (const log of logs) assert.ok(!log.includes(password) && !log.includes(apiKey), "the engine's output holds no secret");
    // Nothing anywhere in the state holds the API key or the portal password in clear.
    for (const file of await filesUnder(stack.dir)) {
      const text = await readFile(file, "utf8");
      assert.ok(!text.includes(apiKey), `${file} contains the API key`);
      assert.ok(!text.includes(password), `${file} contains the portal password`);
    }

    await stack.pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
    const templates = await fetch(
      `${emulator.url}/api/v0/template/?select_cols=${encodeURIComponent('["*"]')}&select_filters=${encodeURIComponent("{}")}`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    );
    const body = (await templates.json()) as { templates: Array<{ name: string }> };
    assert.deepEqual(
      body.templates.filter((tpl) => tpl.name === "vast-kit-test"),
      [],
      "the template is gone",
    );
  },
);

test("bad stack config stops before any resource, naming each key and its rule", { timeout: 120_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey });
  t.after(() => emulator.close());
  const stack = await pulumiStack(
    t,
    { "vast:apiUrl": emulator.url, "vast-kit:diskGb": "4", "vast-kit:maxPricePerHour": "0", "vast-kit:instanceCont": "2" },
    { VAST_API_KEY: apiKey },
  );
  await assert.rejects(stack.pulumi("up", "--yes"), (error: Error) => {
    assert.match(error.message, /vast-kit:maxPricePerHour: must be more than 0 dollars per hour/);
    assert.match(error.message, /vast-kit:diskGb: must be a whole number of GB, at least 8/);
    assert.match(error.message, /vast-kit:instanceCont: is not a setting of this project; did you mean instanceCount\?/);
    return true;
  });
  assert.equal(emulator.stats().total, 0, "no API request was made");
});

test(
  "a missing or refused vast:apiKey and an unreachable vast:apiUrl stop the run before anything is created",
  { timeout: 180_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey });
    t.after(() => emulator.close());
    const config = { "vast:apiUrl": emulator.url, "vast-kit:image": "img:tag" };
    const missing = await pulumiStack(t, config, { VAST_API_KEY: "" });
    await assert.rejects(
      missing.pulumi("up", "--yes"),
      /vast:apiKey is not set: run `pulumi config set --secret vast:apiKey <key>` or export VAST_API_KEY/,
    );
    const refused = await pulumiStack(t, config, { VAST_API_KEY: "not-the-key" });
    await assert.rejects(refused.pulumi("up", "--yes"), /it refused vast:apiKey \(401\)/);
    const unreachable = await pulumiStack(t, { ...config, "vast:apiUrl": "http://127.0.0.1:9" }, { VAST_API_KEY: apiKey });
    await assert.rejects(unreachable.pulumi("up", "--yes"), /check vast:apiUrl \(http:\/\/127\.0\.0\.1:9\)/);
    assert.deepEqual(Object.keys(emulator.stats().byEndpoint), ["GET /api/v0/users/current"], "only the check reached the API");
    assert.equal(JSON.parse(await refused.exportState()).deployment?.resources?.length ?? 0, 0, "nothing was created");
  },
);

test("a stack with no instances publishes the template alone", { timeout: 120_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey });
  t.after(() => emulator.close());
  const stack = await pulumiStack(
    t,
    {
      "vast:apiUrl": emulator.url,
      "vast-kit:image": "ghcr.io/acme/vast-base:cuda",
      "vast-kit:instanceCount": "0",
      "vast-kit:templateName": "published-only",
    },
    { VAST_API_KEY: apiKey },
  );
  await stack.pulumi("up", "--yes");
  const outputs = await stack.outputs();
  assert.match(outputs.templateHashId as string, /^[0-9a-f]{32}$/);
  assert.deepEqual(outputs.instanceIds, []);
  assert.deepEqual(emulator.listInstances(), []);
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"] ?? 0, 0, "nothing was rented");
  await stack.pulumi("destroy", "--yes");
});

test(
  "a fleet that would go over vast-kit:budgetPerHour rents what fits, refuses the rest before renting, and says why",
  { timeout: 180_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 300 } });
    t.after(() => emulator.close());
    const offers = await fetch(`${emulator.url}/api/v0/bundles/`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        gpu_name: { eq: "RTX 4090" },
        num_gpus: { eq: 1 },
        verified: { eq: true },
        external: { eq: false },
        rentable: { eq: true },
        order: [["dph_total", "asc"]],
        allocated_storage: 32,
        limit: 3,
      }),
    });
    const [, p2, p3] = ((await offers.json()) as { offers: Array<{ dph_total: number }> }).offers.map((o) => o.dph_total);
    const budget = (Math.ceil((p2! + p3!) * 10_000) / 10_000).toFixed(4);
    const stack = await pulumiStack(
      t,
      {
        "vast:apiUrl": emulator.url,
        "vast-kit:image": "img:tag",
        "vast-kit:instanceCount": "3",
        "vast-kit:budgetPerHour": budget,
        "vast-kit:waitForPortal": "false",
      },
      { VAST_API_KEY: apiKey },
    );
    await assert.rejects(stack.pulumi("up", "--yes"), (error: Error) => {
      assert.match(error.message, /above its budget of \$[\d.]+\/h \(running and being rented now: \$[\d.]+\/h\); nothing was rented/);
      return true;
    });
    assert.equal(emulator.listInstances().length, 2, "two instances fit the budget; the third was never rented");
    assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 2);
    await stack.pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
  },
);
