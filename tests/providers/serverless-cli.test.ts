/**
 * VastEndpoint, VastWorkerGroup and getEndpoints beside the official vastai CLI, against the
 * emulator: each sees what the other made, the kit's refresh notices the CLI's updates and
 * deletes, and the kit's deletes leave no worker instance behind.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import * as endpoint from "../../providers/vast/endpoint-provider.ts";
import { getEndpoints } from "../../providers/vast/index.ts";
import * as workerGroup from "../../providers/vast/worker-group-provider.ts";
import { vastaiCli } from "../_support/vastai.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

async function checked<T>(
  kind: { check(o: unknown, n: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> },
  news: Record<string, unknown>,
): Promise<T> {
  const result = await kind.check({}, news);
  assert.deepEqual(result.failures ?? [], []);
  return result.inputs as T;
}

test(
  "the CLI and the kit see each other's endpoints and workergroups, the kit notices the CLI's updates and deletes, and deletes leave no worker",
  { timeout: 90_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t);
    const { vastai, raw } = vastaiCli(t, emulator.url, testApiKey);
    // Autoscaler-host calls go to --url when it is not the default (vast-api-more.md §1).
    const local = ["--url", emulator.url.replace("127.0.0.1", "localhost")];

    const made = await vastai(
      "create",
      "template",
      "--name",
      "worker",
      "--image",
      "vastai/serverless",
      "--env",
      "-e SERVERLESS=true",
      "--ssh",
    );
    const hash = /'hash_id': '([0-9a-f]{32})'/.exec(made.stdout)?.[1];
    assert.ok(hash, made.stdout + made.stderr);

    // The kit's endpoint, seen by the CLI.
    const kitInputs = await checked<endpoint.EndpointInputs>(endpoint, { name: "kit-ep", coldWorkers: 1, maxWorkers: 2, maxQueueTime: 20 });
    const kitEp = await endpoint.create(settings, kitInputs);
    const kitOuts = kitEp.outs as endpoint.EndpointOutputs;
    assert.equal(typeof kitOuts.apiKey, "string");
    const shown = (await raw("show", "endpoints")) as Array<Record<string, unknown>>;
    const cliView = shown.find((e) => e["id"] === Number(kitEp.id));
    assert.deepEqual(
      [
        cliView?.["endpoint_name"],
        cliView?.["cold_workers"],
        cliView?.["max_workers"],
        cliView?.["max_queue_time"],
        cliView?.["target_util"],
      ],
      ["kit-ep", 1, 2, 20, 0.9],
    );
    assert.equal(cliView?.["api_key"], undefined, "the CLI drops the endpoint's key before printing");

    // The CLI's endpoint, seen by the kit's lookup (without its key).
    const created = await raw("create", "endpoint", "--endpoint_name", "cli-ep", "--cold_workers", "1", "--max_workers", "3");
    const cliEpId = created.result as number;
    const found = await valueOf(getEndpoints({ name: "cli-ep" }, settings));
    assert.deepEqual(
      found.map((e) => [e.id, e.cold_workers, e.max_workers, "api_key" in e]),
      [[cliEpId, 1, 3, false]],
    );

    // The kit's workergroup on the CLI's endpoint, and the CLI's on the kit's: each rents one worker.
    const wgInputs = await checked<workerGroup.WorkerGroupInputs>(workerGroup, {
      endpointId: cliEpId,
      templateHash: hash,
      searchFilter: { gpu_name: { eq: "RTX 4090" }, gpu_ram: { gte: 20000 } },
      launchArgs: "--disk 20",
    });
    const kitWg = await workerGroup.create(settings, wgInputs);
    const cliCreate = await vastai(
      "create",
      "workergroup",
      "--template_hash",
      hash,
      "--endpoint_id",
      kitEp.id,
      "--search_params",
      "num_gpus=1",
    );
    assert.match(cliCreate.stdout, /workergroup create .*'success': True/, cliCreate.stdout + cliCreate.stderr);
    const groups = (await raw("show", "workergroups")) as Array<Record<string, unknown>>;
    const kitView = groups.find((g) => g["id"] === Number(kitWg.id));
    assert.equal(kitView?.["search_params"], "verified=True rentable=True rented=False gpu_name=RTX_4090 gpu_ram>=20");
    assert.deepEqual([kitView?.["endpoint_id"], kitView?.["template_hash"], kitView?.["gpu_ram"]], [cliEpId, hash, 24]);
    const cliGroup = groups.find((g) => g["endpoint_id"] === Number(kitEp.id));
    assert.equal(cliGroup?.["search_params"], "num_gpus=1 verified=True rentable=True rented=False");

    const workers = (await raw("get", "endpt-workers", String(cliEpId), ...local)) as Array<Record<string, unknown>>;
    assert.equal(workers.length, 1);
    const [instance] = (await raw("show", "instances")).filter((i: any) => i.id === workers[0]!["id"]);
    assert.equal(instance.gpu_name, "RTX 4090");
    assert.equal(instance.disk_space, 20);
    const logs = await vastai("get", "endpt-logs", String(cliEpId), ...local);
    assert.match(logs.stdout, new RegExp(`worker ${String(workers[0]!["id"])} idle`));
    const rolled = await vastai("update", "workers", kitWg.id, ...local);
    assert.match(rolled.stdout, /Update started for workergroup \d+ \(1 workers\)/, rolled.stdout + rolled.stderr);
    const replaced = (await raw("get", "endpt-workers", String(cliEpId), ...local)) as Array<Record<string, unknown>>;
    assert.equal(replaced.length, 1);
    assert.notEqual(replaced[0]!["id"], workers[0]!["id"], "a rolling update replaces the worker");

    // Changed with the CLI: the kit's read brings it back into the inputs, so the next diff changes it back in place.
    await raw("update", "endpoint", kitEp.id, "--max_workers", "3");
    const refreshed = await endpoint.read(settings, kitEp.id, kitOuts);
    assert.equal((refreshed.props as endpoint.EndpointOutputs).maxWorkers, 3);
    assert.equal((refreshed.props as endpoint.EndpointOutputs).maxQueueTime, 20, "the CLI's nulls kept the rest");
    const back = await endpoint.diff(kitEp.id, refreshed.props as endpoint.EndpointOutputs, kitInputs);
    assert.deepEqual([back.changes, back.replaces], [true, []]);
    await endpoint.update(settings, kitEp.id, refreshed.props as endpoint.EndpointOutputs, kitInputs);
    assert.equal(((await raw("show", "endpoints")) as any[]).find((e) => e.id === Number(kitEp.id)).max_workers, 2);

    // The CLI's workergroup update also resets search_params (§3.5 "CLI update hazard"): the kit notices both.
    await vastai("update", "workergroup", kitWg.id, "--gpu_ram", "32");
    const wgRead = (await workerGroup.read(settings, kitWg.id, kitWg.outs as workerGroup.WorkerGroupOutputs))
      .props as workerGroup.WorkerGroupOutputs;
    assert.equal(wgRead.gpuRamGb, 32);
    assert.equal(wgRead.searchParams, "verified=True rentable=True rented=False");
    assert.equal((await workerGroup.diff(kitWg.id, wgRead, wgInputs)).changes, true);

    // Deleted with the CLI: the kit's refresh drops them.
    await vastai("delete", "workergroup", String(cliGroup?.["id"]));
    const removed = await vastai("delete", "endpoint", kitEp.id);
    assert.match(removed.stdout, /delete endpoint .*'success': True/);
    assert.deepEqual(await endpoint.read(settings, kitEp.id, kitOuts), { id: "" });

    // Deleted by the kit: the CLI's endpoint with the kit's workergroup on it, twice (idempotent).
    await endpoint.remove(settings, String(cliEpId));
    await endpoint.remove(settings, String(cliEpId));
    await workerGroup.remove(settings, kitWg.id, kitWg.outs as workerGroup.WorkerGroupOutputs);
    assert.deepEqual(await workerGroup.read(settings, kitWg.id, kitWg.outs as workerGroup.WorkerGroupOutputs), { id: "" });
    assert.deepEqual(await raw("show", "endpoints"), []);
    assert.deepEqual(await raw("show", "workergroups"), []);
    assert.deepEqual(await raw("show", "instances"), [], "no worker left billing");
  },
);

test("bad endpoint and workergroup inputs name the field and the rule before anything is created", async () => {
  const endpointFailures = (await endpoint.check({}, { name: "has space", targetUtil: 1.5, coldWorkers: 3, maxWorkers: 2 })).failures;
  assert.deepEqual(
    endpointFailures?.map((f) => f.reason),
    [
      "name: must be 1 to 255 letters, digits, underscores or hyphens",
      "targetUtil: must be at most 1",
      "coldWorkers: must be at most maxWorkers",
    ],
  );
  const tooMany = (await endpoint.check({}, { name: "ok", coldWorkers: 3, maxWorkers: 2 })).failures;
  assert.deepEqual(tooMany, [{ property: "coldWorkers", reason: "coldWorkers: must be at most maxWorkers" }]);
  const groupFailures = (
    await workerGroup.check({}, { endpointId: 1, templateHash: "f".repeat(32), searchFilter: { gpu_name: { eq: "RTX_4090" } } })
  ).failures;
  assert.deepEqual(groupFailures, [
    {
      property: "searchFilter",
      reason: "searchFilter.gpu_name.eq: must be non-empty, without underscores, commas, brackets, quotes or doubled spaces",
    },
  ]);
  const noTemplate = (await workerGroup.check({}, { endpointId: 1, templateHash: "latest" })).failures;
  assert.deepEqual(noTemplate, [
    { property: "templateHash", reason: "templateHash: must be a template's 32-hex-digit hash (VastTemplate.hashId)" },
  ]);
});

test("the kit reads Vast's documented 400 for an account without endpoints or workergroups as empty lists", async (t) => {
  const { settings } = await emulatorFor(t, { faults: { emptyServerlessListAs400: { next: 3 } } });
  assert.deepEqual(await valueOf(getEndpoints({}, settings)), []);
  const outs = { endpointId: 1 } as workerGroup.WorkerGroupOutputs;
  assert.deepEqual(await workerGroup.read(settings, "901", outs), { id: "" });
  await endpoint.remove(settings, "4201");
});

test("an endpoint created suspended gets its state by an update right after the create, and an update in place keeps its id", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = await checked<endpoint.EndpointInputs>(endpoint, { name: "paused", coldWorkers: 0, state: "suspended" });
  const created = await endpoint.create(settings, inputs);
  const [listed] = await valueOf(getEndpoints({ name: "paused" }, settings));
  assert.deepEqual([listed?.id, listed?.endpoint_state, listed?.cold_workers], [Number(created.id), "suspended", 0]);
  const resumed = { ...inputs, state: "active" as const, targetUtil: 0.7 };
  const updated = await endpoint.update(settings, created.id, created.outs as endpoint.EndpointOutputs, resumed);
  assert.equal((updated.outs as endpoint.EndpointOutputs).endpointId, Number(created.id));
  const [after] = await valueOf(getEndpoints({ name: "paused" }, settings));
  assert.deepEqual([after?.endpoint_state, after?.target_util], ["active", 0.7]);
});
