/**
 * Image benchmark (a script, not a test):
 *   1. seconds from `docker run` to the portal answering (first 401 on the published portal port),
 *      over several runs;
 *   2. the megabytes our layers add on top of the base image, in total and per Dockerfile step.
 *
 * Usage: node benchmarks/image/bench.ts [--runs N] [--image TAG] [--base TAG] [--no-build] [--json]
 * Defaults: 5 runs; builds vast-kit/base:bench with image/build/build-image.sh on the local
 * Debian stand-in base (toolchain/docker.sh must have run).
 * @module
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, promisify } from "node:util";
import { freePort } from "../../tests/_support/net.ts";

const DOCKER = "/usr/bin/docker";
const REPO = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    image: { type: "string", default: "vast-kit/base:bench" },
    base: { type: "string", default: process.env.VAST_KIT_IMAGE_BASE ?? "vast-kit/debian-base:bookworm" },
    "no-build": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50)
  throw new Error(`--runs must be an integer from 1 to 50, got ${JSON.stringify(args.runs)}`);

async function docker(...a: string[]): Promise<string> {
  return (await run(DOCKER, a, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

function status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/** One cold container start: ms from spawning `docker run` to the portal's first 401. */
async function timeToPortal(image: string): Promise<number> {
  const port = await freePort();
  const name = `vk-bench-${randomBytes(3).toString("hex")}`;
  const started = performance.now();
  const running = docker(
    "run",
    "-d",
    "--name",
    name,
    "-p",
    `127.0.0.1:${port}:1111`,
    "-e",
    "PORTAL_CONFIG=localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8384:18384:/:Syncthing",
    "-e",
    "OPEN_BUTTON_TOKEN=bench",
    "-e",
    `VAST_TCP_PORT_1111=${port}`,
    "-e",
    "VAST_TCP_PORT_8080=8080",
    "-e",
    "VAST_TCP_PORT_8384=8384",
    image,
  );
  try {
    const deadline = started + 120_000;
    while (performance.now() < deadline) {
      if ((await status(port)) === 401) return performance.now() - started;
      await sleep(25);
    }
    throw new Error(`the portal of ${name} did not answer within 120 s`);
  } finally {
    await running.catch(() => "");
    await docker("rm", "-f", name).catch(() => "");
  }
}

/** Bytes per layer of `image` above `base`, from `docker history` (newest first). */
async function addedLayers(image: string, base: string): Promise<{ step: string; bytes: number }[]> {
  const parse = (out: string) =>
    out
      .trim()
      .split("\n")
      .map((line) => {
        const [id, size, ...by] = line.split("\t");
        return { id: id ?? "", bytes: Number(size), step: by.join("\t") };
      });
  const fmt = ["history", "--no-trunc", "--human=false", "--format", "{{.ID}}\t{{.Size}}\t{{.CreatedBy}}"];
  const ours = parse(await docker(...fmt, image));
  const baseCount = parse(await docker(...fmt, base)).length;
  // `RUN |7 A=b C=d /bin/bash -o pipefail -c set -eux; …`: keep the command, drop the build-arg prefix.
  const label = (by: string) => {
    const text = by.replace(/\s+/g, " ");
    const shell = text.indexOf(" -c ");
    return (text.startsWith("RUN ") && shell >= 0 ? `RUN ${text.slice(shell + 4).replace(/^set -eux; /, "")}` : text).slice(0, 100);
  };
  return ours.slice(0, ours.length - baseCount).map(({ step, bytes }) => ({ step: label(step), bytes }));
}

if (!args["no-build"]) {
  process.stderr.write(`building ${args.image} on ${args.base}...\n`);
  const built = performance.now();
  await run(path.join(REPO, "image/build/build-image.sh"), ["-t", args.image], {
    env: { ...process.env, VAST_KIT_IMAGE_BASE: args.base },
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stderr.write(`built in ${((performance.now() - built) / 1000).toFixed(1)} s\n`);
}

// One unmeasured start first: the first run after a build pays for page-cache misses.
await timeToPortal(args.image);
const samples: number[] = [];
for (let i = 0; i < runs; i++) samples.push(await timeToPortal(args.image));
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)] as number;

const [imageBytes, baseBytes] = (
  await Promise.all([args.image, args.base].map((t) => docker("image", "inspect", "-f", "{{.Size}}", t)))
).map((s) => Number(s.trim()));
const layers = await addedLayers(args.image, args.base);
const mb = (b: number) => b / 1e6;

const result = {
  image: args.image,
  base: args.base,
  runs,
  secondsToPortal: {
    median: median / 1000,
    min: (samples[0] as number) / 1000,
    max: (samples[samples.length - 1] as number) / 1000,
    samples: samples.map((s) => s / 1000),
  },
  addedMB: mb((imageBytes as number) - (baseBytes as number)),
  baseMB: mb(baseBytes as number),
  layers: layers.filter((l) => l.bytes > 0).map((l) => ({ step: l.step, MB: Number(mb(l.bytes).toFixed(2)) })),
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  process.stdout.write(`image ${result.image} on ${result.base}\n`);
  process.stdout.write(
    `docker run → portal answers: median ${result.secondsToPortal.median.toFixed(2)} s (min ${result.secondsToPortal.min.toFixed(2)}, max ${result.secondsToPortal.max.toFixed(2)}, ${runs} runs)\n`,
  );
  process.stdout.write(`our layers add ${result.addedMB.toFixed(1)} MB on top of the base (${result.baseMB.toFixed(1)} MB)\n`);
  for (const l of result.layers) process.stdout.write(`  ${l.MB.toFixed(2).padStart(8)} MB  ${l.step}\n`);
}
