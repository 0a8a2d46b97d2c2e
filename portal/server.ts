/**
 * Starts the instance portal from the environment: the portal app on
 * 127.0.0.1:11111, the tunnel API, the default and named tunnels, and the
 * front process (`front-process.ts`) with one listener per proxied app
 * (instance-runtime.md §3.4: `external_port` ≠ `internal_port` and
 * `VAST_TCP_PORT_<ext>` set). The only module that deals with TLS, ports and
 * signals. `node portal/server.ts` runs it in the foreground.
 * @module
 */
import http from "node:http";
import fs from "node:fs/promises";
import { loadSettings } from "./config.ts";
import type { PortalSettings } from "./config.ts";
import { startFrontProcess } from "./front-process.ts";
import type { FrontProcess } from "./front-process.ts";
import type { FrontInfo, FrontSetup } from "./fronts.ts";
import { resolveInstancePaths } from "./paths.ts";
import { ActivityProbe } from "./autostop/activity.ts";
import { startAutostop } from "./autostop/watcher.ts";
import { loadPortalApps } from "./portal-yaml.ts";
import type { PortalApp } from "../contracts/portal-config.ts";
import { ensureCertificatePair } from "./tls.ts";
import { AppsFile, defaultTunnelTargets } from "./app/applications.ts";
import { DirectUrls } from "./app/direct-urls.ts";
import { LogStream } from "./app/log-stream.ts";
import { MetricsCollector, gpuSummary } from "./app/metrics.ts";
import { createPortalApp } from "./app/portal-app.ts";
import { SupervisorClient } from "./app/supervisor.ts";
import { createTunnelApi } from "./app/tunnel-api.ts";
import { TunnelManager } from "./app/tunnels.ts";

/** Options of {@link startPortal}. */
export interface StartPortalOptions {
  /** Environment to read. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives every log line. Defaults to stdout. */
  readonly log?: (line: string) => void;
  /** Spacing and retry delays of default tunnels (§5.1 defaults: 2 s; 10/20/30 s). */
  readonly defaultTunnelPacing?: { readonly spacingMs: number; readonly retryDelaysMs: readonly number[] };
}

export type { FrontInfo } from "./fronts.ts";

/** The running portal. */
export interface PortalHandle {
  readonly settings: PortalSettings;
  readonly apps: readonly PortalApp[];
  readonly fronts: readonly FrontInfo[];
  /** Port of the portal app on 127.0.0.1. */
  readonly appPort: number;
  /** Port of the tunnel API on 127.0.0.1. */
  readonly tunnelApiPort: number;
  readonly tunnels: TunnelManager;
  /** Stop listeners, tunnels and watchers. */
  close(): Promise<void>;
}

/** Start the portal; resolves once every listener accepts connections. */
export async function startPortal(options: StartPortalOptions = {}): Promise<PortalHandle> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = options.env ?? process.env;
  const settings = loadSettings(env);
  const paths = resolveInstancePaths(settings.instanceRoot);
  const { apps, source } = await loadPortalApps({ yamlPath: paths.portalYaml, portalConfig: settings.portalConfig, log });
  log(
    `portal: ${apps.length} app(s) from ${source === "cache" ? paths.portalYaml : source === "env" ? "PORTAL_CONFIG" : "nothing configured"}`,
  );
  if (settings.auth.generated) log("portal: neither WEB_PASSWORD nor OPEN_BUTTON_TOKEN is set; generated a token for this run");

  const tunnels = new TunnelManager({
    cloudflared: settings.cloudflared,
    timeoutMs: settings.tunnelTimeoutMs,
    metrics: settings.cloudflareMetrics,
    env: { TUNNEL_TRANSPORT_PROTOCOL: "http2", ...env },
    log: (line) => log(`tunnels: ${line}`),
  });
  const supervisor = new SupervisorClient({
    socketPath: paths.supervisorSocket,
    skipDir: paths.supervisorSkipDir,
    launchMarker: paths.launchMarker,
    unstoppable: settings.unstoppable,
  });
  const logs = new LogStream({ dir: paths.portalLogDir, cleanDir: paths.logDir });
  await logs.start();
  const metrics = new MetricsCollector({
    rootPath: settings.instanceRoot,
    workspace: settings.workspace,
    isContainer: async () =>
      (await supervisor.available()) ||
      (await fs.stat("/.dockerenv").then(
        () => true,
        () => false,
      )),
  });
  const appsFile = new AppsFile(paths.portalYaml);
  const direct = new DirectUrls(settings.https, settings.mappedPorts, settings.publicIp);
  const probe = new ActivityProbe({
    cpuThreshold: settings.autostop.cpuThreshold,
    gpuThreshold: settings.autostop.gpuThreshold,
    provisioningLock: paths.provisioningMarker,
    procNet: paths.procNet,
    cgroupRoot: paths.cgroup,
  });
  const autostop = startAutostop({ settings: settings.autostop, instanceId: settings.containerId, log, sample: () => probe.sample() });
  const portalApp = createPortalApp({ settings, paths, tunnels, supervisor, logs, metrics, appsFile, direct, gpuSummary, log, autostop });
  const appServer = await listenLocal(settings.appPort, portalApp.handleRequest);
  appServer.on("upgrade", portalApp.handleUpgrade);
  log(`portal: app listening on http://127.0.0.1:${settings.appPort}`);
  const tunnelServer = await listenLocal(
    settings.tunnelApiPort,
    createTunnelApi({ tunnels, direct, appsFile, namedConfigured: settings.cfTunnelToken !== undefined }),
  );
  log(`portal: tunnel API listening on http://127.0.0.1:${settings.tunnelApiPort}`);

  const proxied = selectProxied(apps, settings, log);
  const tls =
    settings.https && proxied.length > 0
      ? await ensureCertificatePair({ certPath: paths.certificate, keyPath: paths.privateKey, log })
      : undefined;
  const local = settings.headerUpLocalhost;
  const setup: FrontSetup = {
    specs: proxied.map((app) => ({
      app,
      headerUpLocalhost: local === "all" || local.has(app.internal_port),
      // Only the portal app itself reads the auth cookie (launch links, §4.1).
      forwardAuthCookie: app.internal_port === settings.appPort && isLoopbackName(app.hostname),
    })),
    auth: settings.auth,
    cors: settings.cors,
    compress: settings.compression,
    host: settings.frontHost,
    tls: tls && { cert: tls.cert, key: tls.key },
  };
  let fronts: FrontProcess | undefined;
  const closeAll = async () => {
    // The app first: ending its WebSockets ends the proxied ones, so the fronts close without waiting.
    autostop.close();
    portalApp.close();
    logs.stop();
    await fronts?.close();
    await tunnels.close();
    for (const server of [appServer, tunnelServer]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  try {
    if (setup.specs.length > 0) fronts = await startFrontProcess(setup, { env, log });
  } catch (err) {
    await closeAll();
    throw err;
  }
  const frontInfos = fronts?.infos ?? [];
  for (const f of frontInfos) {
    const app = proxied.find((a) => a.external_port === f.externalPort) as PortalApp;
    log(
      `portal: front "${f.name}" listening on ${f.tls ? "https" : "http"}://${settings.frontHost}:${f.port} → ${app.hostname}:${f.internalPort}${f.auth ? "" : " (no auth)"}`,
    );
  }

  if (settings.defaultTunnels) {
    const pacing = options.defaultTunnelPacing;
    void tunnels.startDefaultTunnels(defaultTunnelTargets(apps, settings.https), pacing?.spacingMs, pacing?.retryDelaysMs);
  }
  if (settings.cfTunnelToken !== undefined) {
    tunnels.startNamedTunnel(settings.cfTunnelToken).catch((err: Error) => log(`tunnels: named tunnel failed: ${err.message}`));
  }

  let closing: Promise<void> | undefined;
  return {
    settings,
    apps,
    fronts: frontInfos,
    appPort: settings.appPort,
    tunnelApiPort: settings.tunnelApiPort,
    tunnels,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

/** Apps that get a front: ext ≠ int and `VAST_TCP_PORT_<ext>` set; the first entry per port wins (§2.3). */
function selectProxied(apps: readonly PortalApp[], settings: PortalSettings, log: (line: string) => void): PortalApp[] {
  const byPort = new Map<number, PortalApp>();
  for (const app of apps) {
    if (app.external_port === app.internal_port || !settings.mappedPorts.has(app.external_port)) continue;
    const taken = byPort.get(app.external_port);
    if (taken !== undefined) {
      log(`portal: "${app.name}" also proxies port ${app.external_port}; keeping "${taken.name}"`);
      continue;
    }
    byPort.set(app.external_port, app);
  }
  return [...byPort.values()];
}

/** An HTTP server on 127.0.0.1 (the portal app and the tunnel API have no auth: loopback only, §4). */
async function listenLocal(port: number, handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer({ keepAliveTimeout: 5_000, headersTimeout: 15_000, requestTimeout: 0 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

function isLoopbackName(hostname: string): boolean {
  return hostname === "localhost" || hostname.startsWith("127.") || hostname === "::1";
}

/**
 * Foreground mode (`node portal/server.ts`, and `node main.js portal` in the image): start, print
 * one line per listener, close on SIGTERM/SIGINT; a second signal, or closing for over 10 s
 * (supervisord's stopwaitsecs), exits 1.
 */
export async function runPortalForeground(): Promise<void> {
  let handle: PortalHandle;
  try {
    handle = await startPortal();
  } catch (err) {
    process.stderr.write(`portal: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`portal: second ${signal} while closing; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`portal: ${signal}: closing\n`);
    const timer = setTimeout(() => {
      process.stderr.write("portal: close took longer than 10 s; exiting\n");
      process.exit(1);
    }, 10_000);
    timer.unref();
    void handle.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (import.meta.main) await runPortalForeground();
