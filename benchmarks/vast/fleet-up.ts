/**
 * Benchmark (not a test): one `pulumi up` of N instances (default 50) against the emulator with
 * 100 ms injected latency. Prints the wall time, the API requests per instance beyond the create,
 * and, for reference, what per-instance polling at the Terraform peers' 5 s interval would cost
 * for the same wait.
 *
 *   toolchain/run node benchmarks/vast/fleet-up.ts [instances]
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/index.ts";
import { adoptStackFile } from "../../tests/engine/_pulumi.ts";

const run = promisify(execFile);
const count = Number(process.argv[2] ?? 50);
const apiKey = "bench-key-0123456789";
const repoRoot = resolve(import.meta.dirname, "../..");
const timings = { schedulingMs: 1000, loadingMs: 2000, stoppingMs: 500, startingMs: 500, rebootMs: 500 };

const emulator = await startEmulator({ apiKey, latencyMs: 100, timings });
const dir = await mkdtemp(join(tmpdir(), "vast-kit-bench-"));
const configFile = join(dir, "Pulumi.bench.yaml");
await writeFile(configFile, `config:\n  vast:apiUrl: ${emulator.url}\n  vast-kit:instanceCount: ${count}\n  vast-kit:gpuName: RTX 4090\n  vast-kit:maxPricePerHour: "100"\n  vast-kit:offerTries: 5\n`);
const env = { ...process.env, VAST_API_KEY: apiKey, PULUMI_BACKEND_URL: `file://${dir}`, PULUMI_CONFIG_PASSPHRASE: "bench", PULUMI_HOME: join(dir, ".pulumi") };
const pulumi = (...args: string[]) => run("pulumi", [...args, "--stack", "bench", "--non-interactive", "--cwd", repoRoot], { env, maxBuffer: 256 << 20 });

try {
  await run("pulumi", ["stack", "init", "bench", "--non-interactive", "--cwd", repoRoot], { env });
  await adoptStackFile("bench", configFile);
  emulator.resetStats();
  const started = performance.now();
  await pulumi("up", "--yes", "--config-file", configFile);
  const seconds = (performance.now() - started) / 1000;
  const stats = emulator.stats();
  const creates = stats.byEndpoint["PUT /api/v0/asks/:id"] ?? 0;
  const running = emulator.listInstances().filter((i) => i.actual_status === "running").length;
  const perInstance = (stats.total - creates) / count;
  const readyAfter = (timings.schedulingMs + timings.loadingMs) / 1000;
  const peerPolls = Math.ceil(readyAfter / 5) + 1; // one read per 5 s until running, plus the first
  console.log(`instances running:          ${running}/${count}`);
  console.log(`pulumi up wall time:        ${seconds.toFixed(1)} s (emulator: 100 ms latency per request, ${readyAfter} s to running)`);
  console.log(`API requests in total:      ${stats.total} (${creates} creates)`);
  console.log(`requests/instance beyond the create: ${perInstance.toFixed(2)}`);
  console.log(`  by endpoint: ${JSON.stringify(stats.byEndpoint)}`);
  console.log(`reference, per-instance polling every 5 s: ≥ ${1 + 1 + peerPolls} requests/instance beyond the create (search, label, ${peerPolls} reads), and "running" noticed up to 5 s late`);
  await pulumi("destroy", "--yes", "--config-file", configFile);
} finally {
  await pulumi("stack", "rm", "--yes", "--force").catch(() => {});
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
