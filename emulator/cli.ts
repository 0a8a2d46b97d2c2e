/**
 * `npm run emulator -- --port <p> --api-key <k> [--state <file>] [--timings k=ms,...] [--latency <ms>] [--no-rate-limits] [--docker] [--network-volumes] [--quiet]`
 *
 * Runs the emulator in the foreground on 127.0.0.1, prints exactly `listening on http://127.0.0.1:<p>`
 * when ready, logs one line per request on stderr (never the key), and closes cleanly on the first
 * SIGINT/SIGTERM; a second signal, or a close slower than 5 s, exits 1.
 */
import { parseArgs } from "node:util";
import { EmulatorError } from "./errors.ts";
import { startEmulator } from "./index.ts";
import type { LifecycleTimings } from "./config.ts";

const USAGE =
  "usage: npm run emulator -- --api-key <key> [--port <port>] [--state <file>] " +
  "[--timings scheduling=ms,loading=ms,stopping=ms,starting=ms,reboot=ms,volumeRelease=ms] [--latency <ms>] [--no-rate-limits] [--docker] [--network-volumes] [--quiet]";
const CLOSE_DEADLINE_MS = 5000;

/** `scheduling=1000,loading=2000` → `{ schedulingMs: 1000, loadingMs: 2000 }`. */
function parseTimings(spec: string): Partial<LifecycleTimings> {
  const timings: Record<string, number> = {};
  for (const pair of spec.split(",").filter(Boolean)) {
    const [name, value] = pair.split("=");
    if (!name || value === undefined || !/^\d+$/.test(value.trim())) {
      throw new EmulatorError("EMU_BAD_FLAG", `--timings: "${pair}" is not name=milliseconds`);
    }
    timings[`${name.trim().replace(/Ms$/, "")}Ms`] = Number(value);
  }
  return timings;
}

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new EmulatorError("EMU_BAD_FLAG", `--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "api-key": { type: "string" },
      state: { type: "string" },
      timings: { type: "string" },
      latency: { type: "string" },
      docker: { type: "boolean" },
      "no-rate-limits": { type: "boolean" },
      quiet: { type: "boolean" },
      "network-volumes": { type: "boolean" },
    },
  });
  if (!values["api-key"]) throw new EmulatorError("EMU_BAD_FLAG", `--api-key is required\n${USAGE}`);
  const emulator = await startEmulator({
    apiKey: values["api-key"],
    port: integerFlag("port", values.port) ?? 0,
    statePath: values.state,
    timings: values.timings ? parseTimings(values.timings) : undefined,
    latencyMs: integerFlag("latency", values.latency),
    docker: values.docker,
    rateLimits: !values["no-rate-limits"],
    networkVolumes: values["network-volumes"],
    log: values.quiet ? undefined : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`listening on ${emulator.url}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`second ${signal} while closing; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`emulator did not close within ${CLOSE_DEADLINE_MS} ms; exiting\n`);
      process.exit(1);
    }, CLOSE_DEADLINE_MS);
    deadline.unref();
    emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
