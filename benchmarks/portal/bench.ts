/**
 * Portal benchmark (issue 5, not a test): in one run on this machine, start
 * nginx as the backend, Caddy 2.6 configured like the original image (TLS
 * and cookie auth) and our front with the same settings, and print for each:
 * requests/s and p99 latency (small responses, keep-alive, TLS), MB/s on
 * 1 MiB bodies, WebSocket echo messages/s, and peak RSS; then the ratios
 * against Caddy. Figures are only comparable within one run.
 *
 *   node benchmarks/portal/bench.ts [--seconds N] [--connections N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSelfSignedPair } from '../../portal/tls.ts';
import { wrk, wsEcho } from './load.ts';
import type { WrkResult } from './load.ts';
import { freePort, peakRssMb, startCaddy, startNginx, startOurFront, waitForPort } from './targets.ts';
import type { BenchEnv, Target } from './targets.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

/** Node flags for our front: a small young generation and old space keep RSS down without slowing the hot path. */
export const FRONT_NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=64'];

interface Row {
  readonly name: string;
  readonly small: WrkResult;
  readonly large: WrkResult;
  readonly wsPerSec: number | undefined;
  readonly rssMb: number;
}

async function measure(target: Target, port: number, wsPort: number | undefined, env: BenchEnv): Promise<Row> {
  const cookie = `Cookie: ${env.label}_auth_token=${env.token}`;
  const base = `https://127.0.0.1:${port}`;
  process.stderr.write(`${target.name}: warming up\n`);
  await wrk(`${base}/1k.bin`, { connections: CONNECTIONS, seconds: 3, headers: [cookie] });
  process.stderr.write(`${target.name}: small responses\n`);
  const small = await wrk(`${base}/1k.bin`, { connections: CONNECTIONS, seconds: SECONDS, headers: [cookie] });
  process.stderr.write(`${target.name}: 1 MiB bodies\n`);
  const large = await wrk(`${base}/1m.bin`, { connections: 8, seconds: SECONDS, headers: [cookie] });
  let wsPerSec: number | undefined;
  if (wsPort !== undefined) {
    process.stderr.write(`${target.name}: WebSocket echo\n`);
    wsPerSec = await wsEcho(`wss://127.0.0.1:${wsPort}/`, { connections: 16, seconds: SECONDS, headers: { Cookie: `${env.label}_auth_token=${env.token}` } });
  }
  const rssMb = await peakRssMb(await target.pids());
  return { name: target.name, small, large, wsPerSec, rssMb };
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'portal-bench-'));
  const pair = generateSelfSignedPair();
  const env: BenchEnv = { dir, cert: path.join(dir, 'instance.crt'), key: path.join(dir, 'instance.key'), token: 'bench-token-0123456789', label: 'C.1' };
  await fs.writeFile(env.cert, pair.cert);
  await fs.writeFile(env.key, pair.key, { mode: 0o600 });
  const [backendHttp, backendTls, echoPort, caddyFiles, caddyWs, frontFiles, frontWs] = await Promise.all(Array.from({ length: 7 }, freePort));
  const cleanups: (() => Promise<void>)[] = [];
  const rows: Row[] = [];
  try {
    const nginx = await startNginx(env, backendHttp as number, backendTls as number);
    cleanups.push(nginx.stop);
    const echo = spawn(process.execPath, [new URL('./ws-echo.ts', import.meta.url).pathname, String(echoPort)], { stdio: 'inherit' });
    cleanups.push(async () => { echo.kill('SIGTERM'); });
    await waitForPort(echoPort as number);

    rows.push(await measure(nginx, backendTls as number, undefined, env));

    const caddy = await startCaddy(env, [{ port: caddyFiles as number, upstream: backendHttp as number }, { port: caddyWs as number, upstream: echoPort as number }]);
    rows.push(await measure(caddy, caddyFiles as number, caddyWs, env));
    await caddy.stop();

    const ours = await startOurFront(env, [{ port: frontFiles as number, upstream: backendHttp as number }, { port: frontWs as number, upstream: echoPort as number }], FRONT_NODE_FLAGS);
    rows.push(await measure(ours, frontFiles as number, frontWs, env));
    await ours.stop();
  } finally {
    for (const stop of cleanups.reverse()) await stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
  report(rows);
}

function report(rows: readonly Row[]): void {
  const f = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
  const lines = [
    `portal benchmark: ${os.cpus().length} cores, wrk -t1 -c${CONNECTIONS} ${SECONDS}s, keep-alive, TLS, cookie auth (nginx direct: TLS, no auth)`,
    '',
    `${'target'.padEnd(14)}${'req/s'.padStart(10)}${'p99 ms'.padStart(9)}${'MB/s 1MiB'.padStart(11)}${'ws msg/s'.padStart(10)}${'peak RSS MB'.padStart(13)}${'errors'.padStart(8)}`,
    ...rows.map((r) => `${r.name.padEnd(14)}${f(r.small.requestsPerSec).padStart(10)}${f(r.small.p99Ms, 2).padStart(9)}${f(r.large.mbPerSec).padStart(11)}${f(r.wsPerSec).padStart(10)}${f(r.rssMb, 1).padStart(13)}${String(r.small.errors + r.large.errors).padStart(8)}`),
  ];
  const caddy = rows.find((r) => r.name === 'Caddy 2.6');
  const ours = rows.find((r) => r.name === 'our front');
  if (caddy && ours) {
    lines.push('', 'our front / Caddy 2.6:',
      `  requests/s ${f(ours.small.requestsPerSec / caddy.small.requestsPerSec, 2)}× (goal ≥ 1.5×)`,
      `  p99        ${f(ours.small.p99Ms / caddy.small.p99Ms, 2)}× (goal ≤ 1×)`,
      `  MB/s       ${f(ours.large.mbPerSec / caddy.large.mbPerSec, 2)}×`,
      `  ws msg/s   ${f((ours.wsPerSec ?? Number.NaN) / (caddy.wsPerSec ?? Number.NaN), 2)}×`,
      `  peak RSS   ${f(ours.rssMb, 1)} MB vs ${f(caddy.rssMb, 1)} MB (goal < 80 MB)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
