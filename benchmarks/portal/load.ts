/**
 * Load generators for the benchmark: wrk (keep-alive, TLS) for requests/s,
 * p99 and MB/s, and a WebSocket ping-pong client for echo messages/s.
 */
import { execFile } from "node:child_process";
import tls from "node:tls";
import { WebSocket } from "ws";

/** One wrk run's figures. */
export interface WrkResult {
  readonly requestsPerSec: number;
  readonly p99Ms: number;
  readonly mbPerSec: number;
  readonly errors: number;
}

/** Run wrk against `url` with `headers`; `--latency` gives the percentiles. */
export function wrk(url: string, options: { connections: number; seconds: number; headers: readonly string[] }): Promise<WrkResult> {
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency", "--timeout", "5s"];
  for (const h of options.headers) args.push("-H", h);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile("wrk", args, { timeout: (options.seconds + 30) * 1000 }, (err, stdout) => {
      if (err) {
        reject(err);
        return;
      }
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout);
      const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(stdout);
      const unit = { us: 0.001, ms: 1, s: 1000 }[p99?.[2] as "us" | "ms" | "s"] ?? Number.NaN;
      const scale = { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[transfer?.[2] as "B" | "KB" | "MB" | "GB"] ?? Number.NaN;
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((n, v) => n + Number(v), 0) : 0);
      resolve({ requestsPerSec: rps, p99Ms: Number(p99?.[1]) * unit, mbPerSec: Number(transfer?.[1]) * scale, errors });
    });
  });
}

/** Echo round trips per second over `connections` WebSockets, each sending its next message on the echo. */
export async function wsEcho(
  url: string,
  options: { connections: number; seconds: number; headers: Record<string, string> },
): Promise<number> {
  const sockets = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: options.headers, rejectUnauthorized: false, perMessageDeflate: false });
          ws.once("open", () => resolve(ws));
          ws.once("error", reject);
        }),
    ),
  );
  const payload = Buffer.alloc(64, 97);
  let count = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", () => {
      count++;
      if (running) ws.send(payload);
    });
    ws.send(payload);
  }
  const started = performance.now();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  return count / elapsed;
}

/** The suite a server picks for a client offering OpenSSL's default order (wrk's, and Node's). */
export function negotiatedSuite(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getCipher().name);
      socket.end();
    });
    socket.on("error", reject);
  });
}
