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
import { VastClient } from "../../providers/vast/client.ts";
import { adoptStackFile } from "../../tests/_support/pulumi.ts";

const run = promisify(execFile);
const count = Number(process.argv[2] ?? 50);
const apiKey = "bench-key-0123456789";
const repoRoot = resolve(import.meta.dirname, "../..");
const timings = { schedulingMs: 1000, loadingMs: 2000, stoppingMs: 500, startingMs: 500, rebootMs: 500 };

const emulator = await startEmulator({ apiKey, latencyMs: 100, timings });
const dir = await mkdtemp(join(tmpdir(), "vast-kit-bench-"));
const configFile = join(dir, "Pulumi.bench.yaml");
await writeFile(configFile, `config:\n  vast:apiUrl: ${emulator.url}\n  vast-kit:image: vastai/base-image:bench\n  vast-kit:instanceCount: ${count}\n  vast-kit:gpuName: RTX 4090\n  vast-kit:maxPricePerHour: "100"\n  vast-kit:offerTries: 5\n`);
const env = { ...process.env, VAST_API_KEY: apiKey, PULUMI_BACKEND_URL: `file://${dir}`, PULUMI_CONFIG_PASSPHRASE: "bench", PULUMI_HOME: join(dir, ".pulumi") };
const pulumi = (...args: string[]) => run("pulumi", [...args, "--stack", "bench", "--non-interactive", "--cwd", repoRoot], { env, maxBuffer: 256 << 20 });

try {
  await run("pulumi", ["stack", "init", "bench", "--non-interactive", "--cwd", repoRoot], { env });
  await adoptStackFile("bench", configFile);
  emulator.resetStats();
  const started = performance.now();
  await pulumi("up", "--yes", "--config-file", configFile, ...process.argv.slice(3));
  const seconds = (performance.now() - started) / 1000;
  const stats = emulator.stats();
  const creates = stats.byEndpoint["PUT /api/v0/asks/:id"] ?? 0;
  const running = emulator.listInstances().filter((i) => i.actual_status === "running").length;
  const perInstance = (stats.total - creates) / count;
  const readyAfter = (timings.schedulingMs + timings.loadingMs) / 1000;
  console.log(`instances running:          ${running}/${count}`);
  console.log(`pulumi up wall time:        ${seconds.toFixed(1)} s (emulator: 100 ms latency per request, ${readyAfter} s to running)`);
  console.log(`API requests in total:      ${stats.total} (${creates} creates)`);
  console.log(`requests/instance beyond the create: ${perInstance.toFixed(2)}`);
  console.log(`  by endpoint: ${JSON.stringify(stats.byEndpoint)}`);
  await pulumi("destroy", "--yes", "--config-file", configFile);

  // Reference, same emulator and latency: the Terraform peers' way, one read per instance every 5 s.
  emulator.resetStats();
  const reference = await peerStylePolling(emulator.url, count);
  const refStats = emulator.stats();
  const refCreates = refStats.byEndpoint["PUT /api/v0/asks/:id"] ?? 0;
  const refPerInstance = (refStats.total - refCreates) / count;
  console.log(`reference (per-instance reads every 5 s): ${refPerInstance.toFixed(2)} requests/instance beyond the create, all running seen after ${reference.toFixed(1)} s`);
  console.log(`ratio: ${(perInstance / refPerInstance).toFixed(2)}× the reference's requests per instance`);
} finally {
  await pulumi("stack", "rm", "--yes", "--force").catch(() => {});
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}

/** Rents `n` instances directly and polls each one on its own every 5 s until all run; returns seconds. */
async function peerStylePolling(url: string, n: number): Promise<number> {
  const client = new VastClient({ apiUrl: url, apiKey });
  const started = performance.now();
  const offers = await client.searchOffers({ gpu_name: { eq: "RTX 4090" }, num_gpus: { eq: 1 }, order: [["dph_total", "asc"]], limit: n });
  await Promise.all(offers.slice(0, n).map(async (offer, i) => {
    const id = await client.createInstance(offer.id, { client_id: "me", image: "img", label: `peer-${i}`, disk: 16, env: {} });
    for (let polls = 0; polls < 60; polls++) {
      if ((await client.getInstance(id))?.actual_status === "running") break;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const instance of await client.listInstances()) await client.destroyInstance(instance.id);
  await client.close();
  return seconds;
}
