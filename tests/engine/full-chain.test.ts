/**
 * The whole chain on the local stack with the real engine: `pulumi up` builds the base image and
 * pushes it to the local registry, publishes the template and launches an instance that the
 * emulator runs as a real container of that image; `up` returns once its portal answers, so the
 * URL in the stack outputs answers at once, with the token. A new image revision rolls the template and the instance; destroy leaves no
 * container, instance or template, and no secret sits in the state in clear.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { OWNER_LABEL, startEmulator } from "../../emulator/index.ts";
import { pulumiStack } from "../_support/pulumi.ts";

const run = promisify(execFile);
const apiKey = "chain-test-key-7d41e0b2";
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** The instance containers this emulator owns, once their count reaches `expected` (at most 15 s): hosts tear containers down just after a destroy answers. */
async function settledContainers(owner: string, expected: number): Promise<string[]> {
  const list = async () =>
    (await run("/usr/bin/docker", ["ps", "-aq", "--filter", `label=${OWNER_LABEL}=${owner}`])).stdout.split("\n").filter(Boolean);
  let found = await list();
  for (const deadline = Date.now() + 15_000; found.length !== expected && Date.now() < deadline; found = await list()) {
    await new Promise((r) => setTimeout(r, 250));
  }
  return found;
}

/**
 * One request to the portal, no retry: `up` waits until the portal answers (GpuFleet's
 * waitForPortal), so the URL it prints must answer at once.
 */
async function portalStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const res = await request(url, { dispatcher: insecure, headers, headersTimeout: 5000 });
  await res.body.dump();
  return { status: res.statusCode, headers: res.headers };
}

test(
  "pulumi up builds, pushes and launches the image; the portal answers; a new revision rolls the fleet; destroy leaves nothing",
  { timeout: 1_200_000 },
  async (t) => {
    const emulator = await startEmulator({
      apiKey,
      docker: true,
      timings: { schedulingMs: 100, loadingMs: 100, stoppingMs: 100, startingMs: 100, rebootMs: 100 },
    });
    let stack: Awaited<ReturnType<typeof pulumiStack>> | undefined;
    t.after(async () => {
      // Even when an assertion failed: take the stack down, then anything the emulator still runs.
      await stack?.pulumi("destroy", "--yes").catch(() => undefined);
      await emulator.removeContainers();
      await emulator.close();
    });
    const owner = emulator.containerOwner!;
    stack = await pulumiStack(
      t,
      {
        "vast:apiUrl": emulator.url,
        "vast-kit:instanceCount": "1",
        "vast-kit:maxPricePerHour": "5",
        "vast-kit:imageRepository": "127.0.0.1:5000/vast-kit/chain-test",
      },
      { VAST_API_KEY: apiKey },
    );

    const up = await stack.pulumi("up", "--yes");
    assert.match(
      up,
      /tunnelUrls\s*: "skipped: set cloudflareAccountId/,
      "without a Cloudflare account the tunnel is skipped, and the output says so",
    );
    const first = await stack.outputs(true);
    assert.match(first.imageRefs.cuda, /^127\.0\.0\.1:5000\/vast-kit\/chain-test@sha256:[0-9a-f]{64}$/);
    const [portalUrl] = first.portalUrls as string[];
    assert.match(portalUrl!, /^https:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
    const origin = new URL(portalUrl!).origin;

    assert.equal((await portalStatus(`${origin}/`)).status, 401, "the portal answers right after up; no credentials, no entry");
    const withToken = await portalStatus(portalUrl!, { accept: "text/html" });
    assert.equal(withToken.status, 302);
    assert.match(String(withToken.headers["set-cookie"]), /^C\.\d+_auth_token=/);
    assert.equal((await settledContainers(owner, 1)).length, 1);

    // A new image revision: new digest, so the template changes and the instance is replaced.
    await stack.pulumi("config", "set", "vast-kit:imageRevision", "second");
    await stack.pulumi("up", "--yes");
    const second = await stack.outputs(true);
    assert.notEqual(second.imageRefs.cuda, first.imageRefs.cuda);
    assert.notEqual(second.templateHashId, first.templateHashId);
    assert.notDeepEqual(second.instanceIds, first.instanceIds);
    assert.deepEqual(
      emulator.listInstances().map((i) => i.id),
      second.instanceIds,
    );
    assert.equal((await settledContainers(owner, 1)).length, 1, "the old container is gone");
    assert.equal((await portalStatus(second.portalUrls[0], { accept: "text/html" })).status, 302);

    // No secret in clear anywhere in the state: the API key and the portal password.
    const password = new URL(second.portalUrls[0]).searchParams.get("token")!;
    for (const entry of await readdir(stack.dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const text = await readFile(join(entry.parentPath, entry.name), "utf8");
      assert.ok(!text.includes(apiKey), `${entry.name} holds the API key`);
      assert.ok(!text.includes(password), `${entry.name} holds the portal password`);
    }

    await stack.pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
    assert.deepEqual(await settledContainers(owner, 0), [], "no instance container is left");
  },
);
