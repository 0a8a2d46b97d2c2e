import assert from "node:assert/strict";
import { test } from "node:test";
import { isSecret, registered, registeredOf, valueOf } from "./_mocks.ts";

const { ServerlessEndpoint } = await import("../../components/serverless-endpoint.ts");

test("a serverless endpoint publishes a template with serverless mode on and binds a workergroup to it and to the endpoint", async () => {
  const endpoint = new ServerlessEndpoint("llm", {
    image: "reg/base@sha256:abc",
    env: { MODEL: "tiny" },
    scaling: { coldWorkers: 1, maxWorkers: 3, targetUtil: 0.8 },
    searchFilter: { gpu_name: { eq: "RTX 4090" } },
    launchArgs: "--disk 40",
    gpuRamGb: 16,
  });
  assert.equal(await valueOf(endpoint.workerGroupId), 901);
  assert.ok(registered.some((r) => r.type === "vast-kit:serverless:ServerlessEndpoint" && r.name === "llm"));
  const [template] = await registeredOf("pulumi-nodejs:dynamic/vast:Template", 1);
  assert.equal(template!.name, "llm");
  assert.equal(template!.inputs.name, "vast-kit-unit-llm");
  assert.equal(template!.inputs.image, "reg/base@sha256:abc");
  assert.deepEqual(template!.inputs.env, { MODEL: "tiny", SERVERLESS: "true" });
  const [ep] = await registeredOf("pulumi-nodejs:dynamic/vast:Endpoint", 1);
  assert.equal(ep!.name, "llm");
  assert.deepEqual([ep!.inputs.name, ep!.inputs.coldWorkers, ep!.inputs.maxWorkers, ep!.inputs.targetUtil], ["llm", 1, 3, 0.8]);
  const [group] = await registeredOf("pulumi-nodejs:dynamic/vast:WorkerGroup", 1);
  assert.equal(group!.name, "llm-workers");
  assert.deepEqual(
    [group!.inputs.endpointId, group!.inputs.templateHash, group!.inputs.launchArgs, group!.inputs.gpuRamGb],
    [4201, "0123456789abcdef0123456789abcdef", "--disk 40", 16],
  );
  assert.deepEqual(group!.inputs.searchFilter, { gpu_name: { eq: "RTX 4090" } });
  assert.equal(await valueOf(endpoint.endpointId), 4201);
  assert.equal(await isSecret(endpoint.endpointApiKey), true);
});

test("a bad endpoint name, scaling value or filter is refused at construction, naming the argument, before any child exists", () => {
  const before = registered.length;
  assert.throws(
    () =>
      new ServerlessEndpoint("bad name", {
        image: "img",
        env: { SERVERLESS: "false" },
        scaling: { coldWorkers: 2.5, targetUtil: 2 },
        searchFilter: { gpu_name: { eq: "RTX_4090" } },
      }),
    (error: Error) => {
      assert.match(error.message, /env\.SERVERLESS is set by the component/);
      assert.match(error.message, /endpointName: must be 1 to 255 letters, digits, underscores or hyphens/);
      assert.match(error.message, /scaling\.targetUtil: must be at most 1/);
      assert.match(error.message, /scaling\.coldWorkers: must be a whole number/);
      assert.match(error.message, /searchFilter\.gpu_name\.eq: must be non-empty, without underscores/);
      return true;
    },
  );
  assert.deepEqual(
    registered.slice(before).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")),
    [],
  );
});
