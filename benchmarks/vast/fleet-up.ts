/**
 * Benchmark (not a test): one `pulumi up` of N instances (default 50) against the emulator with its
 * documented rate limits on and 100 ms injected latency. Prints the wall time beside the minimum
 * the limits allow (the engine's own floor, measured in the same run as an `up` of the template
 * alone, plus what the limits impose on the instances), the API requests per instance beyond the
 * create, the failures (429s and failed resources), the load average, and, for reference, what
 * per-instance polling at the Terraform peers' 5 s interval costs for the same wait (limits off,
 * so it can run at all).
 *
 *   toolchain/run node benchmarks/vast/fleet-up.ts [instances] [pulumi up flags, e.g. --parallel=64]
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { adoptStackFile, fileBackendEnv } from "../../tests/_support/pulumi.ts";

const run = promisify(execFile);
const count = Number(process.argv[2] ?? 50);
const apiKey = "bench-key-0123456789";
const repoRoot = resolve(import.meta.dirname, "../..");
const timings = { schedulingMs: 1000, loadingMs: 2000, stoppingMs: 500, startingMs: 500, rebootMs: 500 };

/** Seconds since the first API request, per request, with its status (from the emulator's log). */
const requests: Array<{ at: number; line: string }> = [];
const emulator = await startEmulator({ apiKey, latencyMs: 100, timings, log: (line) => requests.push({ at: performance.now(), line }) });
const dir = await mkdtemp(join(tmpdir(), "vast-kit-bench-"));
const configFile = join(dir, "Pulumi.bench.yaml");
const stackConfig = (instances: number) =>
  `config:\n  vast:apiUrl: ${emulator.url}\n  vast-kit:image: vastai/base-image:bench\n  vast-kit:instanceCount: ${instances}\n  vast-kit:gpuName: RTX 4090\n  vast-kit:maxPricePerHour: "100"\n  vast-kit:offerTries: 5\n  vast-kit:waitForPortal: false\n`;
await writeFile(configFile, stackConfig(0));
const env = fileBackendEnv(dir, "bench", { VAST_API_KEY: apiKey });
const pulumi = (...args: string[]) =>
  run("pulumi", [...args, "--stack", "bench", "--non-interactive", "--cwd", repoRoot], { env, maxBuffer: 256 << 20 });

try {
  await run("pulumi", ["stack", "init", "bench", "--non-interactive", "--cwd", repoRoot], { env });
  await adoptStackFile("bench", configFile);
  // The floor: the same program and engine, the template alone.
  let started = performance.now();
  await pulumi("up", "--yes", "--config-file", configFile);
  const floorSeconds = (performance.now() - started) / 1000;
  await pulumi("destroy", "--yes", "--config-file", configFile);
  const salt = (await readFile(configFile, "utf8")).split("\n").filter((line) => line.startsWith("encryptionsalt:"));
  await writeFile(configFile, `${stackConfig(count)}${salt.join("\n")}\n`);

  emulator.resetStats();
  requests.length = 0;
  started = performance.now();
  const up = await pulumi("up", "--yes", "--config-file", configFile, ...process.argv.slice(3)).then(
    () => "ok",
    (error: Error) => error.message,
  );
  const seconds = (performance.now() - started) / 1000;
  const stats = emulator.stats();
  const creates = stats.byEndpoint["PUT /api/v0/asks/:id"] ?? 0;
  const running = emulator.listInstances().filter((i) => i.actual_status === "running").length;
  const perInstance = (stats.total - creates) / count;
  const refused = requests.filter((r) => / 429 /.test(r.line)).length;
  const apiSeconds = (requests.at(-1)!.at - requests[0]!.at) / 1000;
  // The limits allow a burst of ⌈4.5⌉ = 5 creates, then 4.5 a second (emulator/rate-limits.ts); the
  // last instance then needs the boot time. Searches, lookups and polls fit their own budgets.
  const bootSeconds = (timings.schedulingMs + timings.loadingMs) / 1000;
  const limitsSeconds = Math.max(0, count - 5) / 4.5 + bootSeconds;
  const minimum = floorSeconds + limitsSeconds;
  console.log(
    `load average (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
  console.log(`instances running:          ${running}/${count}; pulumi up: ${up === "ok" ? "ok" : `FAILED: ${up.slice(0, 300)}`}`);
  console.log(
    `minimum the limits allow:   ${minimum.toFixed(1)} s = the engine's floor ${floorSeconds.toFixed(1)} s (an up of the template alone, this run) + ${limitsSeconds.toFixed(1)} s (${count} creates at the documented 4.5/s after a burst of 5, then ${bootSeconds} s to running)`,
  );
  console.log(
    `provider's API span:        ${apiSeconds.toFixed(1)} s (first API request to last; the limits alone allow ${limitsSeconds.toFixed(1)} s of it)`,
  );
  const at = (pattern: RegExp, last = false) => {
    const hits = requests.filter((r) => pattern.test(r.line));
    const hit = last ? hits.at(-1) : hits[0];
    return hit ? ((hit.at - requests[0]!.at) / 1000).toFixed(1) : "-";
  };
  console.log(
    `  timeline (s from the first request): template ${at(/template/)}, first lookup ${at(/v1\/instances/)}, search ${at(/bundles/)}, first create ${at(/asks/)}, last create ${at(/asks/, true)}, last request ${at(/./, true)}`,
  );
  console.log(`pulumi up wall time:        ${seconds.toFixed(1)} s = ${(seconds / minimum).toFixed(2)}× the minimum`);
  console.log(`API requests in total:      ${stats.total} (${creates} creates); 429s: ${refused}`);
  console.log(`requests/instance beyond the create: ${perInstance.toFixed(2)}`);
  console.log(`  by endpoint: ${JSON.stringify(stats.byEndpoint)}`);
  await pulumi("destroy", "--yes", "--config-file", configFile);

  // Reference, same emulator and latency: the Terraform peers' way, one read per instance every 5 s.
  emulator.setRateLimits(false);
  emulator.resetStats();
  const reference = await peerStylePolling(emulator.url, count);
  const refStats = emulator.stats();
  const refCreates = refStats.byEndpoint["PUT /api/v0/asks/:id"] ?? 0;
  const refPerInstance = (refStats.total - refCreates) / count;
  console.log(
    `reference (per-instance reads every 5 s): ${refPerInstance.toFixed(2)} requests/instance beyond the create, all running seen after ${reference.toFixed(1)} s`,
  );
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
  await Promise.all(
    offers.slice(0, n).map(async (offer, i) => {
      const id = await client.createInstance(offer.id, { client_id: "me", image: "img", label: `peer-${i}`, disk: 16, env: {} });
      for (let polls = 0; polls < 60; polls++) {
        if ((await client.getInstance(id))?.actual_status === "running") break;
        await new Promise((r) => setTimeout(r, 5000));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const instance of await client.listInstances()) await client.destroyInstance(instance.id);
  await client.close();
  return seconds;
}
