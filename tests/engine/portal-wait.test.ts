/**
 * `waitForPortal` through the real Pulumi engine, in a throwaway program against the emulator in
 * Docker mode: an instance whose portal stand-in (tests/_support/probe-image.ts) starts listening
 * seconds after the container runs. `up` returns only once it answers, so its URL answers at once;
 * a portal that never answers fails `up` with the timeout, the instance recorded in the stack (not
 * an orphan), and `destroy` removes it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { startEmulator } from "../../emulator/index.ts";
import { buildPortalProbeImage } from "../_support/probe-image.ts";
import { fileBackendEnv, repoRoot } from "../_support/pulumi.ts";

const run = promisify(execFile);
const apiKey = "portal-wait-engine-key-2b7d";
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastInstance } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const box = new VastInstance("box", {
  image: config.require("image"),
  offer: { filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 5 },
  ports: ["1111"],
  env: { LISTEN_AFTER_MS: config.require("listenAfterMs") },
  waitForPortal: { timeoutSeconds: config.requireNumber("waitSeconds") },
});
export const id = box.instanceId;
export const portalPort = box.hostPorts.apply((ports) => ports["1111/tcp"]);
`;

test(
  "up returns once the portal answers, so its URL answers at once; a silent portal fails up with the instance kept in the stack",
  { timeout: 600_000 },
  async (t) => {
    const image = await buildPortalProbeImage();
    const emulator = await startEmulator({ apiKey, docker: true, timings: { schedulingMs: 100, loadingMs: 100 } });
    t.after(async () => {
      try {
        await emulator.removeContainers();
      } finally {
        await emulator.close();
      }
    });
    const dir = await mkdtemp(join(tmpdir(), "vast-kit-portal-wait-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // The program imports the kit by package name, as a team repository does, from this checkout.
    await mkdir(join(dir, "node_modules"));
    await symlink(repoRoot, join(dir, "node_modules", "vast-kit"));
    await symlink(join(repoRoot, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "portal-wait-test", private: true, type: "module" }));
    await writeFile(
      join(dir, "Pulumi.yaml"),
      "name: portal-wait-test\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n",
    );
    await writeFile(join(dir, "index.ts"), program);
    const env = fileBackendEnv(dir, "portal-wait", { VAST_API_KEY: apiKey });
    const pulumi = async (...args: string[]) =>
      (
        await run("pulumi", [...args, "--stack", "dev", "--non-interactive", "--cwd", dir], { env, maxBuffer: 64 << 20 }).catch((e) => {
          throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
        })
      ).stdout;
    await run("pulumi", ["stack", "init", "dev", "--non-interactive", "--cwd", dir], { env });
    t.after(() => pulumi("destroy", "--yes").catch(() => undefined));
    await pulumi("config", "set", "vast:apiUrl", emulator.url);
    await pulumi("config", "set", "image", image);
    await pulumi("config", "set", "listenAfterMs", "4000");
    await pulumi("config", "set", "waitSeconds", "120");

    const up = await pulumi("up", "--yes");
    // The wait's progress shows beside the resource, as the boot's does.
    assert.match(up, /vast instance \d+: running; waiting until its portal \(container port 1111\) answers/);
    assert.match(up, /vast instance \d+: portal answers \(HTTP 401\)/);
    const { portalPort } = JSON.parse(await pulumi("stack", "output", "--json"));
    const res = await request(`https://127.0.0.1:${portalPort}/`, { dispatcher: insecure, headersTimeout: 5000 });
    await res.body.dump();
    assert.equal(res.statusCode, 401, "the portal answers the moment up returns");
    await pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);

    // Never listening within the wait: up fails, and the instance it rented is in the stack.
    await pulumi("config", "set", "listenAfterMs", "3600000");
    await pulumi("config", "set", "waitSeconds", "3");
    await assert.rejects(
      pulumi("up", "--yes"),
      /the portal of instance \d+ did not answer at 127\.0\.0\.1:\d+ \(container port 1111\) within 3 s/,
    );
    const [rented] = emulator.listInstances();
    assert.ok(rented, "the instance is still rented");
    const state = JSON.parse(await pulumi("stack", "export"));
    const recorded = state.deployment.resources.filter((r: { urn: string }) => r.urn.endsWith("::box"));
    assert.deepEqual(
      recorded.map((r: { id: string }) => r.id),
      [String(rented.id)],
      "the stack records the rented instance",
    );
    await pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), [], "destroy removes it");
  },
);
