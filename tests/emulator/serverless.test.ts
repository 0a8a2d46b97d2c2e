/**
 * Serverless routes of the emulator (vast-api-more.md §3, §9 items 3–5): endpoints and
 * workergroups with the CLI's request shapes, the emulated autoscaler renting worker instances
 * per the endpoint's `cold_workers`/`max_workers`, and deletes that leave no worker behind.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { API_KEY, FAST_TIMINGS, call, emulatorFor, waitFor } from "./_utils.ts";

type Emulator = { url: string };

/** The CLI's create body (§3.3 [X]) with `overrides`. */
function endpointBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: "me",
    min_load: 0.0,
    min_cold_load: 0.0,
    target_util: 0.9,
    cold_mult: 2.5,
    cold_workers: 2,
    max_workers: 4,
    endpoint_name: "llama",
    max_queue_time: null,
    target_queue_time: null,
    inactivity_timeout: null,
    autoscaler_instance: "prod",
    ...overrides,
  };
}

async function template(emulator: Emulator, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(emulator, "POST", "/api/v0/template/", {
    body: { name, image: "vastai/serverless", env: "-e SERVERLESS=true", runtype: "ssh", recommended_disk_space: 12, ...extra },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.template.hash_id as string;
}

async function createEndpoint(emulator: Emulator, overrides: Record<string, unknown> = {}): Promise<number> {
  const res = await call(emulator, "POST", "/api/v0/endptjobs/", { body: endpointBody(overrides) });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.result, res.body.id, "both id keys (§10)");
  return res.body.result as number;
}

async function createGroup(emulator: Emulator, body: Record<string, unknown>, path = "/api/v0/autojobs/"): Promise<number> {
  const res = await call(emulator, "POST", path, {
    body: {
      client_id: "me",
      template_id: null,
      launch_args: null,
      gpu_ram: 24.0,
      endpoint_name: null,
      autoscaler_instance: "prod",
      ...body,
    },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.id as number;
}

async function instances(emulator: Emulator): Promise<any[]> {
  return (await call(emulator, "GET", "/api/v1/instances/")).body.instances;
}

async function endpoints(emulator: Emulator): Promise<any[]> {
  return (await call(emulator, "GET", "/api/v0/endptjobs/", { body: { client_id: "me", api_key: API_KEY } })).body.results;
}

test("an endpoint is created with the CLI's defaults, read one and in the list, and its own api_key is not the account's", async (t) => {
  const emulator = await emulatorFor(t);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/endptjobs/")).body, { success: true, results: [] });
  const id = await createEndpoint(emulator, { cold_workers: undefined, max_workers: undefined, target_util: undefined });
  const [row] = await endpoints(emulator);
  assert.equal(row.id, id);
  assert.equal(row.endpoint_name, "llama");
  assert.deepEqual([row.cold_workers, row.max_workers, row.target_util, row.endpoint_state], [5, 20, 0.9, "active"]);
  assert.equal(typeof row.api_key, "string");
  assert.notEqual(row.api_key, API_KEY);
  const one = await call(emulator, "GET", `/api/v0/endptjobs/${id}/`);
  assert.deepEqual(one.body.result, row);
});

test("an endpoint update keeps every field sent as null and changes the others; autoscaler_instance stays as created", async (t) => {
  const emulator = await emulatorFor(t);
  const id = await createEndpoint(emulator, { autoscaler_instance: "alpha" });
  const update = Object.fromEntries(Object.keys(endpointBody()).map((k) => [k, null]));
  const res = await call(emulator, "PUT", `/api/v0/endptjobs/${id}/`, {
    body: { ...update, client_id: "me", endptjob_id: id, max_workers: 3, endpoint_state: "suspended", autoscaler_instance: "prod" },
  });
  assert.deepEqual(res.body, { success: true });
  const [row] = await endpoints(emulator);
  assert.deepEqual(
    [row.max_workers, row.endpoint_state, row.cold_workers, row.endpoint_name, row.autoscaler_instance],
    [3, "suspended", 2, "llama", "alpha"],
  );
  const missing = await call(emulator, "PUT", "/api/v0/endptjobs/999999/", { body: { max_workers: 1 } });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body, { success: false, error: "invalid_args", msg: "Endpointgroup not found for user" });
});

test("a bad endpoint field is refused with 400 invalid_args naming it, and nothing is stored", async (t) => {
  const emulator = await emulatorFor(t);
  const res = await call(emulator, "POST", "/api/v0/endptjobs/", { body: endpointBody({ target_util: 1.5 }) });
  assert.equal(res.status, 400);
  assert.match(res.body.msg, /target_util/);
  assert.deepEqual(await endpoints(emulator), []);
});

test("a workergroup rents cold_workers workers from offers matching its search_params, and its delete destroys them", async (t) => {
  const emulator = await emulatorFor(t);
  const hash = await template(emulator, "worker");
  const endpointId = await createEndpoint(emulator, { cold_workers: 2, max_workers: 4 });
  const groupId = await createGroup(emulator, {
    template_hash: hash,
    search_params: "gpu_name=RTX_4090 num_gpus=1 verified=True rentable=True rented=False",
    launch_args: "--disk 20 --env '-e MODEL=tiny'",
    endpoint_id: endpointId,
  });
  const workers = await instances(emulator);
  assert.equal(workers.length, 2);
  for (const w of workers) {
    assert.equal(w.gpu_name, "RTX 4090");
    assert.equal(w.num_gpus, 1);
    assert.equal(w.template_hash_id, hash);
    assert.equal(w.disk_space, 20);
    assert.equal(w.label, `serverless endpoint ${endpointId} workergroup ${groupId}`);
    assert.ok(w.extra_env.some(([k, v]: [string, string]) => k === "MODEL" && v === "tiny"));
    assert.ok(w.extra_env.some(([k, v]: [string, string]) => k === "SERVERLESS" && v === "true"));
  }

  const [group] = (await call(emulator, "GET", "/api/v0/workergroups/")).body.results;
  assert.equal(group.id, groupId);
  assert.equal(group.endpoint_id, endpointId);
  assert.equal(group.endpoint_name, "llama");
  assert.equal(group.search_params, group.search_query, "the stored query under both names (§3.4)");

  // The worker list of the autoscaler host: `idle` once the instance runs.
  const listed = await waitFor("both workers idle", async () => {
    const rows = (await call(emulator, "POST", "/get_endpoint_workers/", { body: { id: endpointId } })).body;
    return rows.length === 2 && rows.every((w: any) => w.status === "idle") ? rows : undefined;
  });
  assert.deepEqual(listed.map((w: any) => w.id).sort(), workers.map((w) => w.id).sort());

  const deleted = await call(emulator, "DELETE", `/api/v0/autojobs/${groupId}/`, { body: { client_id: "me", autojob_id: groupId } });
  assert.equal(deleted.body.success, true);
  assert.deepEqual(deleted.body.deleted_workers.sort(), workers.map((w) => w.id).sort());
  assert.deepEqual(await instances(emulator), []);
  const again = await call(emulator, "DELETE", `/api/v0/autojobs/${groupId}/`);
  assert.equal(again.status, 404);
  assert.deepEqual(again.body, {
    success: false,
    error: "no_such_workergroup",
    msg: "No workergroup by that id is available.",
    id: String(groupId),
  });
});

test("raising and lowering the endpoint's targets adds and removes workers; a worker destroyed elsewhere is replaced", async (t) => {
  const emulator = await emulatorFor(t);
  const hash = await template(emulator, "scaled");
  const endpointId = await createEndpoint(emulator, { cold_workers: 1, max_workers: 4 });
  await createGroup(emulator, { template_hash: hash, search_params: "num_gpus=1", endpoint_id: endpointId });
  assert.equal((await instances(emulator)).length, 1);
  await call(emulator, "PUT", `/api/v0/endptjobs/${endpointId}/`, { body: { cold_workers: 3 } });
  assert.equal((await instances(emulator)).length, 3);
  await call(emulator, "PUT", `/api/v0/endptjobs/${endpointId}/`, { body: { max_workers: 2 } });
  const two = await instances(emulator);
  assert.equal(two.length, 2, "max_workers caps cold_workers");

  await call(emulator, "DELETE", `/api/v0/instances/${two[0].id}/`);
  const rows = (await call(emulator, "POST", "/get_endpoint_workers/", { body: { id: endpointId } })).body;
  assert.equal(rows.length, 2);
  assert.ok(!rows.some((w: any) => w.id === two[0].id));
});

test("two workergroups share the endpoint's workers; a template change rolls one group's workers", async (t) => {
  const emulator = await emulatorFor(t);
  const first = await template(emulator, "first");
  const second = await template(emulator, "second", { recommended_disk_space: 14 });
  const endpointId = await createEndpoint(emulator, { cold_workers: 3, max_workers: 3 });
  const a = await createGroup(emulator, { template_hash: first, search_params: "", endpoint_name: "llama" }, "/api/v0/workergroups/");
  const b = await createGroup(emulator, { template_hash: first, search_params: "", endpoint_id: endpointId });
  const byGroup = async (id: number) => (await instances(emulator)).filter((i) => i.label.endsWith(`workergroup ${id}`));
  assert.deepEqual([(await byGroup(a)).length, (await byGroup(b)).length], [2, 1]);

  const before = (await byGroup(b)).map((i) => i.id);
  const res = await call(emulator, "PUT", `/api/v0/autojobs/${b}/`, {
    body: { client_id: "me", autojob_id: b, template_hash: second, template_id: null, search_params: "", launch_args: null, gpu_ram: 32.0 },
  });
  assert.deepEqual(res.body, { success: true });
  const after = await byGroup(b);
  assert.equal(after.length, 1);
  assert.notDeepEqual(
    after.map((i) => i.id),
    before,
  );
  assert.equal(after[0].template_hash_id, second);
  const row = (await call(emulator, "GET", "/api/v0/autojobs/")).body.results.find((g: any) => g.id === b);
  assert.deepEqual([row.gpu_ram, row.rolling_update, row.template_hash], [32, 1, second]);
});

test("deleting an endpoint deletes its workergroups and destroys every worker; a repeat is 400 'not found for user'", async (t) => {
  const emulator = await emulatorFor(t);
  const hash = await template(emulator, "cascade");
  const endpointId = await createEndpoint(emulator, { cold_workers: 2 });
  await createGroup(emulator, { template_hash: hash, search_params: "", endpoint_id: endpointId });
  const workers = (await instances(emulator)).map((i) => i.id).sort();
  assert.equal(workers.length, 2);
  const res = await call(emulator, "DELETE", `/api/v0/endptjobs/${endpointId}/`, { body: { client_id: "me", endptjob_id: endpointId } });
  assert.equal(res.body.success, true);
  assert.deepEqual(res.body.deleted_workers.sort(), workers);
  assert.deepEqual(res.body.failed_workers, []);
  assert.deepEqual(await instances(emulator), []);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/autojobs/")).body.results, []);
  const again = await call(emulator, "DELETE", `/api/v0/endptjobs/${endpointId}/`);
  assert.equal(again.status, 400);
  assert.equal(again.body.msg, "Routegroup not found for user");
});

test("a workergroup without a resolvable endpoint, template or readable search_params is refused and rents nothing", async (t) => {
  const emulator = await emulatorFor(t);
  const hash = await template(emulator, "refused");
  const endpointId = await createEndpoint(emulator);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ template_hash: hash, search_params: "", endpoint_id: 12345 }, /valid endpoint identifier/],
    [{ template_hash: hash, endpoint_id: endpointId }, /search_params is required/],
    [{ template_hash: "0".repeat(32), search_params: "", endpoint_id: endpointId }, /template/],
    [{ template_hash: hash, search_params: "num_gpus=1 nonsense", endpoint_id: endpointId }, /search_params/],
    [{ template_hash: hash, search_params: "", launch_args: "--gpus 2", endpoint_id: endpointId }, /launch_args: --gpus/],
  ];
  for (const [body, message] of cases) {
    const res = await call(emulator, "POST", "/api/v0/autojobs/", { body: { client_id: "me", ...body } });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error, "invalid_args");
    assert.match(res.body.msg, message);
  }
  assert.deepEqual((await call(emulator, "GET", "/api/v0/autojobs/")).body.results, []);
  assert.deepEqual(await instances(emulator), []);
});

test("the serverless routes take the documented rate limits and the 5xx fault knob like every route", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await call(emulator, "GET", "/api/v0/autojobs/")).status);
  assert.ok(statuses.includes(429), `show workergroups is limited at 2.0: ${statuses}`);
  emulator.setRateLimits(false);
  emulator.setFaults({ serverError: { "POST /api/v0/endptjobs": { next: 1, status: 502 } } });
  assert.equal((await call(emulator, "POST", "/api/v0/endptjobs/", { body: endpointBody() })).status, 502);
  assert.deepEqual(await endpoints(emulator), [], "a 5xx fault does nothing");
  await createEndpoint(emulator);
  assert.equal((await endpoints(emulator)).length, 1);
});

test("endpoints, workergroups and workers survive a restart on the state file, and a destroy after it leaves nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vast-emulator-serverless-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const statePath = join(dir, "state.sqlite");
  const first = await startEmulator({ apiKey: API_KEY, statePath, timings: FAST_TIMINGS, rateLimits: false });
  const hash = await template(first, "persisted");
  const endpointId = await createEndpoint(first, { cold_workers: 1 });
  const groupId = await createGroup(first, { template_hash: hash, search_params: "", endpoint_id: endpointId });
  const [worker] = await instances(first);
  await first.close();

  const second = await startEmulator({ apiKey: API_KEY, statePath, timings: FAST_TIMINGS, rateLimits: false });
  t.after(() => second.close());
  assert.deepEqual(
    (await endpoints(second)).map((e) => e.id),
    [endpointId],
  );
  assert.deepEqual(
    (await call(second, "GET", "/api/v0/autojobs/")).body.results.map((g: any) => g.id),
    [groupId],
  );
  const rows = (await call(second, "POST", "/get_endpoint_workers/", { body: { id: endpointId } })).body;
  assert.deepEqual(
    rows.map((w: any) => w.id),
    [worker.id],
    "the same worker, not a new one",
  );
  assert.ok((await createEndpoint(second)) > endpointId, "ids never repeat");
  await call(second, "DELETE", `/api/v0/endptjobs/${endpointId}/`);
  assert.deepEqual(await instances(second), []);
});

test("the documented 400 for an empty list is a fault knob, and the autoscaler's rents leave client-side create faults to clients", async (t) => {
  const emulator = await emulatorFor(t, { faults: { emptyServerlessListAs400: { next: 2 }, dropCreateResponse: { next: 1 } } });
  const none = await call(emulator, "GET", "/api/v0/endptjobs/");
  assert.equal(none.status, 400);
  assert.deepEqual(none.body, { success: false, error: "invalid_args", msg: "No endpoints for user found" });
  assert.equal((await call(emulator, "GET", "/api/v0/autojobs/")).body.msg, "No workergroups for user found");
  assert.deepEqual((await call(emulator, "GET", "/api/v0/endptjobs/")).body, { success: true, results: [] }, "two, then 200 again");

  const hash = await template(emulator, "faulty");
  const endpointId = await createEndpoint(emulator, { cold_workers: 1 });
  await createGroup(emulator, { template_hash: hash, search_params: "", endpoint_id: endpointId });
  const rows = (await call(emulator, "POST", "/get_endpoint_workers/", { body: { id: endpointId } })).body;
  assert.equal(rows.length, 1, "the worker is recorded");
  assert.deepEqual(
    (await call(emulator, "GET", "/_emulator/faults")).body.dropCreateResponse,
    { next: 1 },
    "still waiting for a client's create",
  );
});
