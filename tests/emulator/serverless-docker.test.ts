/**
 * Serverless workers in Docker mode (vast-api-more.md §9 item 5): the emulated autoscaler rents
 * them through the same create as any instance, so each is a real container of the template's
 * image with the template's env (`SERVERLESS=true`), and deleting the endpoint removes them.
 * The image is the Debian stand-in base pushed to the local registry, run as `sleep`.
 * Needs `bash toolchain/docker.sh` and `bash toolchain/registry.sh`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { before, test } from "node:test";
import { promisify } from "node:util";
import { INSTANCE_LABEL, OWNER_LABEL, startEmulator } from "../../emulator/index.ts";
import { API_KEY, FAST_TIMINGS, call, waitFor } from "./_utils.ts";

const DOCKER = "/usr/bin/docker";
const IMAGE = "127.0.0.1:5000/vast-kit/serverless-probe:test";

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(DOCKER, args, { maxBuffer: 16 << 20, timeout: 120_000 });
  return stdout.trim();
}

before(async () => {
  await docker("tag", "vast-kit/debian-base:bookworm", IMAGE);
  await docker("push", IMAGE);
});

test(
  "an endpoint's workers run as containers of the template's image with serverless mode on, and go with the endpoint",
  { timeout: 120_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, docker: true, rateLimits: false });
    t.after(async () => {
      await emulator.removeContainers();
      await emulator.close();
    });
    const containers = async () => {
      const out = await docker("ps", "-q", "--no-trunc", "--filter", `label=${OWNER_LABEL}=${emulator.containerOwner}`);
      return out ? out.split("\n") : [];
    };
    const template = await call(emulator, "POST", "/api/v0/template/", {
      body: { name: "worker", image: IMAGE, runtype: "args", args_str: "sleep 600", env: "-e SERVERLESS=true" },
    });
    const endpoint = await call(emulator, "POST", "/api/v0/endptjobs/", {
      body: { endpoint_name: "docker-llm", cold_workers: 2, max_workers: 2 },
    });
    const endpointId = endpoint.body.result as number;
    await call(emulator, "POST", "/api/v0/autojobs/", {
      body: { template_hash: template.body.template.hash_id, search_params: "num_gpus=1", endpoint_id: endpointId },
    });

    const workers = await waitFor(
      "two idle workers",
      async () => {
        const rows = (await call(emulator, "POST", "/get_endpoint_workers/", { body: { id: endpointId } })).body as Array<{
          id: number;
          status: string;
        }>;
        return rows.length === 2 && rows.every((w) => w.status === "idle") ? rows : undefined;
      },
      60_000,
      250,
    );
    for (const worker of workers) {
      const [container] = (
        await docker(
          "ps",
          "-q",
          "--no-trunc",
          "--filter",
          `label=${INSTANCE_LABEL}=${worker.id}`,
          "--filter",
          `label=${OWNER_LABEL}=${emulator.containerOwner}`,
        )
      ).split("\n");
      assert.ok(container, `worker ${worker.id} has a running container`);
      const env = JSON.parse(await docker("inspect", "--format", "{{json .Config.Env}}", container)) as string[];
      assert.ok(env.includes("SERVERLESS=true"), "the template's serverless mode reaches the container");
      assert.ok(env.includes(`CONTAINER_ID=${worker.id}`));
    }
    assert.equal((await containers()).length, 2);

    const deleted = await call(emulator, "DELETE", `/api/v0/endptjobs/${endpointId}/`);
    assert.deepEqual((deleted.body.deleted_workers as number[]).sort(), workers.map((w) => w.id).sort());
    await waitFor("the workers' containers to go", async () => ((await containers()).length === 0 ? true : undefined), 30_000, 250);
  },
);
