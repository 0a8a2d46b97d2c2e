/**
 * The image's serverless mode (instance-runtime.md §8.9) reached through the kit: the
 * ServerlessEndpoint's template env (`serverlessEnv`) on a VastTemplate, a VastEndpoint and a
 * VastWorkerGroup against the emulator in Docker mode, whose autoscaler runs the worker as a
 * container of this image. The worker runs no portal, proxy, Jupyter, TensorBoard or Syncthing;
 * cron runs; deleting the endpoint removes the container. Needs Docker and the local registry.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { serverlessEnv } from "../../components/serverless-endpoint.ts";
import { INSTANCE_LABEL, OWNER_LABEL, startEmulator, type RunningEmulator } from "../../emulator/index.ts";
import type { ProviderSettings } from "../../providers/vast/config.ts";
import * as endpoint from "../../providers/vast/endpoint-provider.ts";
import { endpointWorkers } from "../../providers/vast/serverless-api.ts";
import { sessionFor } from "../../providers/vast/session.ts";
import * as template from "../../providers/vast/template-provider.ts";
import * as workerGroup from "../../providers/vast/worker-group-provider.ts";
import { waitFor } from "../_support/poll.ts";
import { IMAGE, buildImage, docker, exec, requireDocker, supervisorStatus } from "./_container.ts";

const apiKey = "image-serverless-key-2b9e";
const PUSHED = "127.0.0.1:5000/vast-kit/serverless-worker:test";
let imageRef = "";
let emulator: RunningEmulator;
let settings: ProviderSettings;

before(async () => {
  await requireDocker();
  await buildImage();
  await docker("tag", IMAGE, PUSHED);
  const pushed = await docker("push", PUSHED);
  imageRef = `${PUSHED.replace(/:test$/, "")}@${/digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1]}`;
  emulator = await startEmulator({ apiKey, docker: true, rateLimits: false });
  settings = { apiUrl: emulator.url, apiKey };
});

after(async () => {
  await emulator?.removeContainers();
  await emulator?.close();
});

test(
  "a worker of the kit's serverless template runs the image in serverless mode, and goes with its endpoint",
  { timeout: 240_000 },
  async () => {
    const checked = async <T>(kind: typeof template | typeof endpoint | typeof workerGroup, news: Record<string, unknown>) =>
      (await kind.check({}, news)).inputs as T;
    const made = await template.create(
      settings,
      await checked<template.TemplateInputs>(template, { name: "serverless-worker", image: imageRef, env: serverlessEnv, ports: ["1111"] }),
    );
    const ep = await endpoint.create(
      settings,
      await checked<endpoint.EndpointInputs>(endpoint, { name: "image-test", coldWorkers: 1, maxWorkers: 1 }),
    );
    await workerGroup.create(
      settings,
      await checked<workerGroup.WorkerGroupInputs>(workerGroup, {
        endpointId: Number(ep.id),
        templateHash: (made.outs as template.TemplateOutputs).hashId,
        searchFilter: { num_gpus: { eq: 1 } },
      }),
    );
    const { client } = sessionFor(settings);
    const [worker] = await waitFor(
      "the worker to be idle",
      async () => {
        const rows = await endpointWorkers(client, emulator.url, Number(ep.id));
        return rows.length === 1 && rows[0]!.status === "idle" ? rows : undefined;
      },
      180_000,
      1000,
    );
    const container = (
      await docker(
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        `label=${INSTANCE_LABEL}=${worker!.id}`,
        "--filter",
        `label=${OWNER_LABEL}=${emulator.containerOwner}`,
      )
    ).trim();
    assert.ok(container, "the worker is a running container");
    const states = await waitFor(
      "the interactive programs to skip themselves",
      async () => {
        const s = await supervisorStatus(container);
        return ["instance_portal", "caddy", "jupyter", "syncthing", "tensorboard"].every((p) => s[p] === "EXITED") ? s : undefined;
      },
      60_000,
      1000,
    );
    assert.equal(states.cron, "RUNNING");
    assert.match(await exec(container, "cat /var/log/portal/instance_portal.log"), /Skipping instance_portal startup \(serverless\)/);
    assert.equal((await exec(container, "printenv SERVERLESS")).trim(), "true");

    await endpoint.remove(settings, ep.id);
    await waitFor(
      "the worker's container to go",
      async () => ((await docker("ps", "-aq", "--filter", `id=${container}`)).trim() === "" ? true : undefined),
      60_000,
      500,
    );
    assert.deepEqual(await client.listInstances(), []);
  },
);
