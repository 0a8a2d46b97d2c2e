/**
 * Portal benchmark (issue 5, not a test): in one run on this machine, start
 * nginx as the backend, Caddy 2.6 configured like the original image (TLS
 * and cookie auth) and our portal (bundled and started as the image runs it)
 * with the same settings, and print for each: requests/s and p99 latency
 * (small responses, keep-alive, TLS), MB/s on 1 MiB bodies, WebSocket echo
 * messages/s, and peak RSS of the proxying process (our front process; the
 * portal app's own process is printed beside it); then each goal of issue 11
 * (ratios against Caddy, the front's and the whole portal's peak RSS) and
 * whether this run met it.
 *
 * The machine is shared, so load comes and goes: all three targets run at
 * once and are measured in interleaved rounds (A, B, C, A, B, C, …); each
 * figure is the median over the rounds, and peak RSS is VmHWM at the end.
 *
 *   node benchmarks/portal/bench.ts [--rounds N] [--seconds N] [--connections N]
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateSelfSignedPair } from "../../portal/tls.ts";
import { negotiatedSuite, wrk, wsEcho } from "./load.ts";
import { bundlePortal, cpuSeconds, freePort, peakRssMb, startCaddy, startNginx, startOurFront, waitForPort } from "./targets.ts";
import type { BenchEnv, Target } from "./targets.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "6" },
    connections: { type: "string", default: "32" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
/** Goals of issue 11 in MB: the front process alone, and the front plus the portal app. */
const FRONT_RSS_GOAL_MB = 72;
const PORTAL_RSS_GOAL_MB = 150;

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const loadAtStart = loadAverage();

interface Subject {
  readonly target: Target;
  readonly port: number;
  readonly wsPort: number | undefined;
}

interface Row {
  readonly name: string;
  readonly rps: number;
  readonly p99Ms: number;
  readonly mbPerSec: number;
  readonly wsPerSec: number | undefined;
  readonly rssMb: number;
  readonly errors: number;
  readonly suite: string;
  /** Cores the proxy kept busy during the 1 KiB runs, and its CPU time per request there. */
  readonly cores: number;
  readonly cpuUsPerRequest: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "portal-bench-"));
  const pair = await generateSelfSignedPair();
  const env: BenchEnv = {
    dir,
    cert: path.join(dir, "instance.crt"),
    key: path.join(dir, "instance.key"),
    token: "bench-token-0123456789",
    label: "C.1",
  };
  await fs.writeFile(env.cert, pair.cert);
  await fs.writeFile(env.key, pair.key, { mode: 0o600 });
  const ports = await Promise.all(Array.from({ length: 7 }, freePort));
  const [backendHttp, backendTls, echoPort, caddyFiles, caddyWs, frontFiles, frontWs] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const main = await bundlePortal(dir);
    const nginx = await startNginx(env, backendHttp, backendTls);
    cleanups.push(nginx.stop);
    const echo = spawn(process.execPath, [new URL("./ws-echo.ts", import.meta.url).pathname, String(echoPort)], { stdio: "inherit" });
    cleanups.push(async () => {
      echo.kill("SIGTERM");
    });
    await waitForPort(echoPort);
    const caddy = await startCaddy(env, [
      { port: caddyFiles, upstream: backendHttp },
      { port: caddyWs, upstream: echoPort },
    ]);
    cleanups.push(caddy.stop);
    const ours = await startOurFront(
      env,
      [
        { port: frontFiles, upstream: backendHttp },
        { port: frontWs, upstream: echoPort },
      ],
      main,
    );
    cleanups.push(ours.stop);
    const subjects: Subject[] = [
      { target: nginx, port: backendTls, wsPort: undefined },
      { target: caddy, port: caddyFiles, wsPort: caddyWs },
      { target: ours, port: frontFiles, wsPort: frontWs },
    ];
    report(await run(subjects, env), await peakRssMb([ours.portalPid]));
  } finally {
    for (const stop of cleanups.reverse()) await stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function run(subjects: readonly Subject[], env: BenchEnv): Promise<Row[]> {
  const cookie = `${env.label}_auth_token=${env.token}`;
  const samples = subjects.map(() => ({
    rps: [] as number[],
    p99: [] as number[],
    mb: [] as number[],
    ws: [] as number[],
    cores: [] as number[],
    cpuUs: [] as number[],
    errors: 0,
  }));
  for (const s of subjects) {
    process.stderr.write(`warming up ${s.target.name}\n`);
    await wrk(`https://127.0.0.1:${s.port}/1k.bin`, { connections: CONNECTIONS, seconds: 3, headers: [`Cookie: ${cookie}`] });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, s] of subjects.entries()) {
      process.stderr.write(`round ${round}/${ROUNDS}: ${s.target.name}\n`);
      const acc = samples[i] as (typeof samples)[number];
      const pids = await s.target.pids();
      const cpuBefore = await cpuSeconds(pids);
      const small = await wrk(`https://127.0.0.1:${s.port}/1k.bin`, {
        connections: CONNECTIONS,
        seconds: SECONDS,
        headers: [`Cookie: ${cookie}`],
      });
      const cpu = (await cpuSeconds(pids)) - cpuBefore;
      acc.cores.push(cpu / SECONDS);
      acc.cpuUs.push((cpu / (small.requestsPerSec * SECONDS)) * 1e6);
      const large = await wrk(`https://127.0.0.1:${s.port}/1m.bin`, { connections: 8, seconds: SECONDS, headers: [`Cookie: ${cookie}`] });
      acc.rps.push(small.requestsPerSec);
      acc.p99.push(small.p99Ms);
      acc.mb.push(large.mbPerSec);
      acc.errors += small.errors + large.errors;
      if (s.wsPort !== undefined) {
        acc.ws.push(await wsEcho(`wss://127.0.0.1:${s.wsPort}/`, { connections: 16, seconds: SECONDS, headers: { Cookie: cookie } }));
      }
    }
  }
  return Promise.all(
    subjects.map(async (s, i) => {
      const acc = samples[i] as (typeof samples)[number];
      return {
        name: s.target.name,
        rps: median(acc.rps),
        p99Ms: median(acc.p99),
        mbPerSec: median(acc.mb),
        wsPerSec: acc.ws.length > 0 ? median(acc.ws) : undefined,
        rssMb: await peakRssMb(await s.target.pids()),
        errors: acc.errors,
        suite: await negotiatedSuite(s.port),
        cores: median(acc.cores),
        cpuUsPerRequest: median(acc.cpuUs),
      };
    }),
  );
}

function report(rows: readonly Row[], portalAppRssMb: number): void {
  const f = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "n/a" : n.toFixed(digits));
  const lines = [
    `portal benchmark: ${os.availableParallelism()} cores, load average at the start ${loadAtStart}; median of ${ROUNDS} interleaved rounds;`,
    `wrk -t1 -c${CONNECTIONS} (1 KiB) and -c8 (1 MiB), ${SECONDS} s each, keep-alive, TLS, cookie auth (nginx direct: TLS, no auth); 16 WebSocket ping-pong clients`,
    "cores and CPU µs/req: CPU time of the proxy's process during the 1 KiB runs (Node's front runs JavaScript on one core; Go's Caddy on all)",
    "",
    `${"target".padEnd(14)}${"req/s".padStart(10)}${"p99 ms".padStart(9)}${"MB/s 1MiB".padStart(11)}${"ws msg/s".padStart(10)}${"peak RSS MB".padStart(13)}${"cores".padStart(7)}${"CPU µs/req".padStart(12)}${"errors".padStart(8)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(14)}${f(r.rps).padStart(10)}${f(r.p99Ms, 2).padStart(9)}${f(r.mbPerSec).padStart(11)}${f(r.wsPerSec).padStart(10)}${f(r.rssMb, 1).padStart(13)}${f(r.cores, 2).padStart(7)}${f(r.cpuUsPerRequest).padStart(12)}${String(r.errors).padStart(8)}`,
    ),
  ];
  const caddy = rows.find((r) => r.name === "Caddy 2.6");
  const ours = rows.find((r) => r.name === "our front");
  if (caddy !== undefined && ours !== undefined) {
    const whole = ours.rssMb + portalAppRssMb;
    const goal = (name: string, value: string, rule: string, met: boolean) =>
      `  ${name.padEnd(22)}${value.padStart(9)}  goal ${rule.padEnd(10)}${met ? "met" : "NOT MET"}`;
    const ratio = (a: number, b: number | undefined) => a / (b ?? Number.NaN);
    const rps = ratio(ours.rps, caddy.rps);
    const p99 = ratio(ours.p99Ms, caddy.p99Ms);
    const mb = ratio(ours.mbPerSec, caddy.mbPerSec);
    const ws = ratio(ours.wsPerSec ?? Number.NaN, caddy.wsPerSec);
    lines.push(
      "",
      "our portal against Caddy 2.6 (the goals of issue 11):",
      goal("requests/s", `${f(rps, 2)}×`, "≥ 1.5×", rps >= 1.5),
      goal("p99 latency", `${f(p99, 2)}×`, "≤ 1×", p99 <= 1),
      goal("MB/s, 1 MiB bodies", `${f(mb, 2)}×`, "≥ 1×", mb >= 1),
      goal("WebSocket msg/s", `${f(ws, 2)}×`, "≥ 1×", ws >= 1),
      goal("front peak RSS", `${f(ours.rssMb, 1)} MB`, "≤ 72 MB", ours.rssMb <= FRONT_RSS_GOAL_MB),
      goal("whole portal peak RSS", `${f(whole, 1)} MB`, "≤ 150 MB", whole <= PORTAL_RSS_GOAL_MB),
      `  (whole portal = front process + portal app process ${f(portalAppRssMb, 1)} MB, which serves the landing page, API, tunnels and logs;`,
      `   Caddy ${f(caddy.rssMb, 1)} MB has none of that)`,
      `TLS suite each server picks for OpenSSL's default client order: ${rows.map((r) => `${r.name} ${r.suite}`).join(", ")}`,
      `load average at the end: ${loadAverage()}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
