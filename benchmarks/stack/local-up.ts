/**
 * Benchmark (not a test): seconds for `pulumi up` of the local stack from nothing to the portal
 * answering, split by phase (image build and push, template, instance rent until running, portal
 * boot), read from the durations the engine prints for each resource. Run it after `toolchain/test` has set up Docker and
 * the registry:   toolchain/run node benchmarks/stack/local-up.ts [--no-cache]
 * `--no-cache` pushes to a fresh repository and builds with `--no-cache`-equivalent (a new revision
 * label does not bust layer caches, so this measures the usual warm path unless the flag is set).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { startEmulator } from "../../emulator/index.ts";
import { adoptStackFile, fileBackendEnv } from "../../tests/_support/pulumi.ts";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../..");
const apiKey = "bench-local-up-key";
const fresh = process.argv.includes("--no-cache");

const emulator = await startEmulator({ apiKey, docker: true });
const dir = await mkdtemp(join(tmpdir(), "vast-kit-bench-up-"));
const configFile = join(dir, "Pulumi.benchup.yaml");
const repository = `127.0.0.1:5000/vast-kit/bench-${fresh ? Date.now() : "warm"}`;
await writeFile(
  configFile,
  `config:\n  vast:apiUrl: ${emulator.url}\n  vast-kit:instanceCount: 1\n  vast-kit:maxPricePerHour: "5"\n  vast-kit:imageRepository: ${repository}\n  vast-kit:imageRevision: "${Date.now()}"\n`,
);
const env = fileBackendEnv(dir, "bench", { VAST_API_KEY: apiKey });
const pulumi = (...args: string[]) =>
  run("pulumi", [...args, "--stack", "benchup", "--non-interactive", "--cwd", repoRoot], { env, maxBuffer: 256 << 20 });

try {
  if (fresh) await run("/usr/bin/docker", ["builder", "prune", "-af"]);
  await run("pulumi", ["stack", "init", "benchup", "--non-interactive", "--cwd", repoRoot], { env });
  await adoptStackFile("benchup", configFile);
  const started = Date.now();
  const { stdout: upLog } = await pulumi("up", "--yes", "--config-file", configFile);
  const upDone = Date.now();
  const outputs = JSON.parse((await pulumi("stack", "output", "--json", "--show-secrets")).stdout);
  const portalUrl = outputs.portalUrls[0] as string;
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  for (;;) {
    try {
      const res = await request(portalUrl, { dispatcher: insecure, headers: { accept: "text/html" } });
      await res.body.dump();
      if (res.statusCode === 302) break;
    } catch {
      /* still booting */
    }
    if (Date.now() - upDone > 120_000) throw new Error("the portal did not answer within 120 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  const portalDone = Date.now();

  // The non-interactive display ends each resource with `<type> <name> created (<seconds>s)`.
  const span = (type: string) =>
    Math.max(
      ...[...upLog.matchAll(new RegExp(`${type.replace(/[/:]/g, "\\$&")} \\S+ created \\((\\d+(?:\\.\\d+)?)s\\)`, "g"))].map((m) =>
        Number(m[1]),
      ),
    );
  const phases: Array<[string, number]> = [
    ["image build + push (DockerImage)", span("pulumi-nodejs:dynamic/docker:Image")],
    ["template (VastTemplate)", span("pulumi-nodejs:dynamic/vast:Template")],
    ["instance rent → running (VastInstance)", span("pulumi-nodejs:dynamic/vast:Instance")],
    ["portal boot after up (first 302 with the token)", (portalDone - upDone) / 1000],
  ];
  for (const [name, seconds] of phases) console.log(`${name.padEnd(50)} ${seconds.toFixed(1)} s`);
  console.log(`${"pulumi up, wall".padEnd(50)} ${((upDone - started) / 1000).toFixed(1)} s`);
  console.log(`${"from nothing to the portal answering".padEnd(50)} ${((portalDone - started) / 1000).toFixed(1)} s`);
  await pulumi("destroy", "--yes", "--config-file", configFile);
} finally {
  await pulumi("stack", "rm", "--yes", "--force").catch(() => {});
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
