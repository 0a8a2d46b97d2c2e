/**
 * Cloudflare tunnels through `cloudflared` (instance-runtime.md §5): quick
 * tunnels with URL discovery and a timeout, default tunnels per external
 * port, and the named tunnel from `CF_TUNNEL_TOKEN` with hostname discovery
 * from its metrics `/config`. All children are stopped on close.
 * @module
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { z } from "zod";
import { PortalError, PortalErrorCode } from "../errors.ts";
import { stopChild } from "../stop-child.ts";

/** The announcement cloudflared prints for a quick tunnel (§5.1 `QUICK_TUNNEL_URL_RE`). */
export const QUICK_TUNNEL_URL = /(https:\/\/\w+(-\w+)+\.trycloudflare\.com)/;

/** A tunnel as the portal API reports it. */
export interface TunnelLink {
  readonly targetUrl: string;
  readonly tunnelUrl: string;
}

/** Options of {@link TunnelManager}. */
export interface TunnelManagerOptions {
  /** cloudflared executable (name on PATH or path). */
  readonly cloudflared: string;
  /** URL discovery timeout per quick tunnel in ms (§5.1: 30 s). */
  readonly timeoutMs: number;
  /** `host:port` of the named tunnel's metrics server (§5.2: `localhost:11113`). */
  readonly metrics: string;
  /** Environment for the children. */
  readonly env: NodeJS.ProcessEnv;
  /** One line per tunnel event and every line cloudflared prints, prefixed `[target]`. */
  readonly log: (line: string) => void;
}

interface QuickTunnel {
  readonly child: ChildProcess;
  readonly ready: Promise<string>;
  url: string | undefined;
}

const NamedConfig = z.looseObject({
  config: z.looseObject({
    ingress: z.array(z.looseObject({ hostname: z.string().optional(), service: z.string().optional() })),
  }),
});

/** Owns every cloudflared child of the portal. */
export class TunnelManager {
  readonly #options: TunnelManagerOptions;
  readonly #quick = new Map<string, QuickTunnel>();
  #named: ChildProcess | undefined;
  #closed = false;

  constructor(options: TunnelManagerOptions) {
    this.#options = options;
  }

  /** `http://` is prepended to a target without a scheme (§5.1). */
  static normalizeTarget(target: string): string {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`;
  }

  /** Create-or-get the quick tunnel for `target`; resolves its URL. */
  quickTunnel(target: string): Promise<string> {
    const key = TunnelManager.normalizeTarget(target);
    const existing = this.#quick.get(key);
    if (existing !== undefined) return existing.ready;
    return this.#startQuick(key).ready;
  }

  /** The URL of a running quick tunnel for `target`, if any. */
  existingQuickTunnel(target: string): string | undefined {
    return this.#quick.get(TunnelManager.normalizeTarget(target))?.url;
  }

  /** Every quick tunnel that has a URL. */
  allQuickTunnels(): TunnelLink[] {
    const out: TunnelLink[] = [];
    for (const [targetUrl, t] of this.#quick) if (t.url !== undefined) out.push({ targetUrl, tunnelUrl: t.url });
    return out;
  }

  /** Stop the quick tunnel for `target`; false when there was none. */
  async stopQuickTunnel(target: string): Promise<boolean> {
    const key = TunnelManager.normalizeTarget(target);
    const t = this.#quick.get(key);
    if (t === undefined) return false;
    this.#quick.delete(key);
    await stopChild(t.child);
    return true;
  }

  /** Stop and recreate the quick tunnel for `target`. */
  async refreshQuickTunnel(target: string): Promise<string> {
    await this.stopQuickTunnel(target);
    return this.quickTunnel(target);
  }

  /**
   * One quick tunnel per target, created sequentially `spacingMs` apart, each
   * retried with the given delays (§5.1: 2 s apart, retries after 10/20/30 s).
   * Runs in the background; failures are logged.
   */
  async startDefaultTunnels(
    targets: readonly string[],
    spacingMs = 2000,
    retryDelaysMs: readonly number[] = [10_000, 20_000, 30_000],
  ): Promise<void> {
    for (const [i, target] of targets.entries()) {
      if (i > 0) await sleep(spacingMs);
      for (let attempt = 0; !this.#closed; attempt++) {
        try {
          await this.quickTunnel(target);
          break;
        } catch (err) {
          const delay = retryDelaysMs[attempt];
          this.#options.log(
            `[${target}] default tunnel failed: ${(err as Error).message}${delay === undefined ? "; giving up" : `; retrying in ${delay} ms`}`,
          );
          if (delay === undefined) break;
          await sleep(delay);
        }
      }
    }
  }

  /** Start the named tunnel daemon (§5.2); resolves once it printed its first line. */
  async startNamedTunnel(token: string): Promise<void> {
    const args = ["--no-autoupdate", "tunnel", "--metrics", this.#options.metrics, "run", "--token", token];
    const child = spawn(this.#options.cloudflared, args, { env: this.#options.env, stdio: ["ignore", "pipe", "pipe"] });
    this.#named = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new PortalError(PortalErrorCode.tunnelFailed, "named tunnel printed nothing within the timeout")),
        this.#options.timeoutMs,
      );
      let first = true;
      this.#pipeLines(child, "[named tunnel]", () => {
        if (first) {
          first = false;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(new PortalError(PortalErrorCode.tunnelFailed, `cannot start cloudflared: ${err.message}`, { cause: err }));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (first) reject(new PortalError(PortalErrorCode.tunnelFailed, `cloudflared exited with ${code}`));
      });
    });
  }

  /** Ingress rules of the named tunnel as links (§5.2 `/get-named-tunnels`). */
  async namedTunnels(): Promise<TunnelLink[]> {
    let response: Response;
    try {
      response = await fetch(`http://${this.#options.metrics}/config`, { signal: AbortSignal.timeout(5000) });
    } catch (err) {
      throw new PortalError(PortalErrorCode.tunnelNotFound, "Tunnel config not found", { status: 404, cause: err });
    }
    const parsed = NamedConfig.safeParse(await response.json().catch(() => undefined));
    if (!response.ok || !parsed.success) throw new PortalError(PortalErrorCode.tunnelNotFound, "Tunnel config not found", { status: 404 });
    const out: TunnelLink[] = [];
    for (const rule of parsed.data.config.ingress) {
      if (rule.hostname !== undefined && rule.service?.startsWith("http"))
        out.push({ targetUrl: rule.service, tunnelUrl: `https://${rule.hostname}` });
    }
    return out;
  }

  /** The named tunnel whose service ends with `:<port>` (§5.2 `/get-named-tunnel/{port}`). */
  async namedTunnelForPort(port: number): Promise<string | undefined> {
    return (await this.namedTunnels()).find((l) => l.targetUrl.endsWith(`:${port}`))?.tunnelUrl;
  }

  /** Stop every child (SIGTERM, then SIGKILL after 5 s). */
  async close(): Promise<void> {
    this.#closed = true;
    const children = [...this.#quick.values()].map((t) => t.child);
    if (this.#named !== undefined) children.push(this.#named);
    this.#quick.clear();
    await Promise.all(children.map(stopChild));
  }

  #startQuick(target: string): QuickTunnel {
    const args = ["--no-autoupdate", "--no-tls-verify", "--url", target];
    const child = spawn(this.#options.cloudflared, args, { env: this.#options.env, stdio: ["ignore", "pipe", "pipe"] });
    let resolveUrl!: (url: string) => void;
    let rejectUrl!: (err: Error) => void;
    const ready = new Promise<string>((resolve, reject) => {
      resolveUrl = resolve;
      rejectUrl = reject;
    });
    ready.catch(() => {});
    const tunnel: QuickTunnel = { child, ready, url: undefined };
    this.#quick.set(target, tunnel);
    const fail = (message: string, cause?: unknown) => {
      if (this.#quick.get(target) === tunnel && tunnel.url === undefined) this.#quick.delete(target);
      void stopChild(child);
      rejectUrl(new PortalError(PortalErrorCode.tunnelFailed, message, { cause }));
    };
    const timer = setTimeout(
      () => fail(`Tunnel didn't start within ${Math.round(this.#options.timeoutMs / 1000)} seconds`),
      this.#options.timeoutMs,
    );
    this.#pipeLines(child, `[${target}]`, (line) => {
      const match = tunnel.url === undefined ? QUICK_TUNNEL_URL.exec(line) : null;
      if (match === null) return;
      clearTimeout(timer);
      tunnel.url = match[1];
      this.#options.log(`[${target}] quick tunnel ready at ${tunnel.url}`);
      resolveUrl(match[1] as string);
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      fail(`cannot start cloudflared: ${err.message}`, err);
    });
    // An exited tunnel leaves the registry (the original polled every 10 s; an exit event is immediate).
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (this.#quick.get(target) === tunnel) this.#quick.delete(target);
      if (tunnel.url === undefined) fail(`cloudflared exited with ${code} before announcing a URL`);
    });
    return tunnel;
  }

  #pipeLines(child: ChildProcess, prefix: string, onLine: (line: string) => void): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on("line", (line) => {
        this.#options.log(`${prefix} ${line}`);
        onLine(line);
      });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
