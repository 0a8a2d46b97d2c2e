/**
 * ServerlessEndpoint (VastTemplate, VastEndpoint, VastWorkerGroup) and getEndpoints through the
 * real Pulumi engine, in a throwaway program against the emulator: up, no-op up, an in-place
 * update of the scaling policy and the workergroup, refresh after an out-of-band change that the
 * next up sets back, and destroy that leaves no endpoint, workergroup or worker instance.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { listEndpoints, listWorkergroups, updateEndpoint } from "../../providers/vast/serverless-api.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "serverless-engine-key-7d1f0a";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { ServerlessEndpoint } from "vast-kit/components";
import { getEndpoints } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const llm = new ServerlessEndpoint("llm", {
  image: "vastai/serverless-worker",
  endpointName: "engine-llm",
  scaling: { coldWorkers: config.requireNumber("coldWorkers"), maxWorkers: 4 },
  searchFilter: { num_gpus: { eq: 1 } },
  gpuRamGb: config.requireNumber("gpuRamGb"),
});

export const endpointId = llm.endpointId;
export const workerGroupId = llm.workerGroupId;
export const endpointApiKey = llm.endpointApiKey;
// Looked up once the endpoint exists.
export const listed = llm.endpointId.apply(() => getEndpoints({ name: "engine-llm" }).apply((endpoints) => endpoints.map((e) => e.id)));
`;

test(
  "a serverless endpoint through the engine: up, no-op, in-place update, refresh after an out-of-band change, destroy leaves nothing",
  { timeout: 180_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());
    const { pulumi, outputs } = await programStack(t, "serverless-test", program, { VAST_API_KEY: apiKey });
    await pulumi("config", "set", "vast:apiUrl", emulator.url);
    await pulumi("config", "set", "coldWorkers", "1");
    await pulumi("config", "set", "gpuRamGb", "24");
    const workers = async () => (await client.listInstances()).filter((i) => i.label?.startsWith("serverless endpoint "));

    await pulumi("up", "--yes");
    const first = await outputs();
    assert.deepEqual(first.listed, [first.endpointId], "getEndpoints sees the endpoint the same up made");
    assert.equal(first.endpointApiKey, "[secret]");
    const [endpoint] = await listEndpoints(client);
    assert.deepEqual(
      [endpoint?.id, endpoint?.endpoint_name, endpoint?.cold_workers, endpoint?.max_workers],
      [first.endpointId, "engine-llm", 1, 4],
    );
    const [group] = await listWorkergroups(client);
    assert.deepEqual([group?.id, group?.endpoint_id, group?.gpu_ram], [first.workerGroupId, first.endpointId, 24]);
    assert.equal((await workers()).length, 1);
    assert.ok(
      endpoint?.api_key && !(await pulumi("stack", "export")).includes(endpoint.api_key),
      "the endpoint's key is a secret in state",
    );
    await pulumi("up", "--yes", "--expect-no-changes");

    // Scaling and GPU RAM change in place: same ids, one more worker.
    await pulumi("config", "set", "coldWorkers", "2");
    await pulumi("config", "set", "gpuRamGb", "32");
    assert.match(await pulumi("up", "--yes"), /2 updated/);
    const second = await outputs();
    assert.deepEqual([second.endpointId, second.workerGroupId], [first.endpointId, first.workerGroupId]);
    assert.equal((await listWorkergroups(client))[0]?.gpu_ram, 32);
    assert.equal((await workers()).length, 2);

    // Changed behind Pulumi's back: refresh records it, the next up sets it back.
    const desired = {
      client_id: "me",
      endpoint_name: "engine-llm",
      min_load: 0,
      min_cold_load: 0,
      target_util: 0.9,
      cold_mult: 2.5,
    } as const;
    await updateEndpoint(client, first.endpointId, {
      ...desired,
      cold_workers: 2,
      max_workers: 3,
      max_queue_time: null,
      target_queue_time: null,
      inactivity_timeout: null,
    });
    assert.match(await pulumi("refresh", "--yes"), /1 updated/);
    const preview = await pulumi("preview", "--diff");
    assert.match(preview, /vast:Endpoint: \(update\)/);
    assert.doesNotMatch(preview, /replace/, "the workergroup keeps its endpoint through the update");
    assert.match(await pulumi("up", "--yes"), /1 updated/);
    assert.equal((await listEndpoints(client))[0]?.max_workers, 4);
    await pulumi("up", "--yes", "--expect-no-changes");

    await pulumi("destroy", "--yes");
    assert.deepEqual(await listEndpoints(client), []);
    assert.deepEqual(await listWorkergroups(client), []);
    assert.deepEqual(await client.listInstances(), [], "no worker instance left billing");
  },
);
