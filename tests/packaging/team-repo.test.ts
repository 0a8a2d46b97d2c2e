/**
 * The kit as a team repository uses it: `npm pack` the package, install it into a fresh project
 * with its own Pulumi program, and `pulumi up` a template and an instance against the emulator.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/index.ts";
import { fileBackendEnv } from "../_support/pulumi.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const apiKey = "team-repo-key-93c1d2";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { GpuFleet, defaultPortalApps } from "vast-kit/components";

const fleet = new GpuFleet("team", {
  image: "ghcr.io/acme/vast-base@sha256:${"0".repeat(64)}",
  apps: defaultPortalApps,
  instanceCount: 1,
  offer: { filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 5 },
  // The emulator's simulated instances run no portal: nothing would ever answer.
  waitForPortal: false,
});
export const ids = fleet.instances.map((i) => i.instanceId);
export const status = fleet.instances.map((i) => i.status);
`;

test("a team repository installs the packed kit and runs pulumi up and destroy with its components", { timeout: 300_000 }, async (t) => {
  const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 200 } });
  t.after(() => emulator.close());
  const { stdout } = await run("node", [join(repo, "scripts/package.ts")], { cwd: repo });
  const tarball = stdout.trim().split("\n").at(-1)!;
  // The package ships the components, the providers and the shared contracts: no portal code.
  const listing = (await run("tar", ["tzf", tarball])).stdout.trim().split("\n");
  assert.deepEqual([...new Set(listing.map((file) => file.split("/")[1]))].sort(), [
    "README.md",
    "components",
    "contracts",
    "package.json",
    "providers",
  ]);

  const dir = await mkdtemp(join(tmpdir(), "vast-kit-team-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "team-infra", private: true, type: "module", dependencies: { "vast-kit": `file:${tarball}` } }),
  );
  await writeFile(
    join(dir, "Pulumi.yaml"),
    "name: team-infra\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n",
  );
  await writeFile(join(dir, "index.ts"), program);
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, maxBuffer: 64 << 20 });

  const env = fileBackendEnv(dir, "team", { VAST_API_KEY: apiKey });
  const pulumi = (...args: string[]) =>
    run("pulumi", [...args, "--non-interactive", "--cwd", dir], { env, maxBuffer: 64 << 20 }).catch((e) => {
      throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
    });
  await pulumi("stack", "init", "dev");
  await pulumi("config", "set", "vast:apiUrl", emulator.url, "--stack", "dev");
  await pulumi("up", "--yes", "--stack", "dev");
  const outputs = JSON.parse((await pulumi("stack", "output", "--json", "--stack", "dev")).stdout);
  assert.deepEqual(outputs.status, ["running"]);
  assert.deepEqual(
    emulator.listInstances().map((i) => i.id),
    outputs.ids,
  );

  await pulumi("destroy", "--yes", "--stack", "dev");
  assert.deepEqual(emulator.listInstances(), []);
});
