/**
 * The portal app on 127.0.0.1:11111 (instance-runtime.md §4.1): the landing
 * page, the JSON API, tunnels, supervisor control, live logs, log download and
 * metrics. It has no auth of its own: remote callers come through the front.
 * `createPortalApp` returns handlers only; `server.ts` owns the listener.
 * @module
 */
import fs from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { readAsset } from "../assets.ts";
import type { PortalSettings } from "../config.ts";
import type { InstancePathName } from "../paths.ts";
import type { Route } from "./http.ts";
import { createRouter, notFound, sendJson, sendText } from "./http.ts";
import type { AppsFile } from "./applications.ts";
import { hydrate } from "./applications.ts";
import type { DirectUrls } from "./direct-urls.ts";
import type { LogStream } from "./log-stream.ts";
import { createLogSocket } from "./ws-logs.ts";
import type { MetricsCollector } from "./metrics.ts";
import type { SupervisorClient } from "./supervisor.ts";
import { createQuickTunnelRoute, sharedTunnelRoutes } from "./tunnel-routes.ts";
import type { TunnelManager } from "./tunnels.ts";
import { createZip } from "./zip.ts";
import type { ZipEntry } from "./zip.ts";
import { writeRawResponse } from "../proxy/upgrade.ts";
import { capabilityExtensions } from "./capability-extensions.ts";
import { capabilityRoutes } from "./capability-routes.ts";
import { loadToolsPage } from "./portal-links.ts";
import { autostopRoutes } from "../autostop/routes.ts";
import type { Autostop } from "../autostop/watcher.ts";

/** What the portal app is built from. */
export interface PortalAppDeps {
  readonly settings: PortalSettings;
  readonly paths: Readonly<Record<InstancePathName, string>>;
  readonly tunnels: TunnelManager;
  readonly supervisor: SupervisorClient;
  readonly logs: LogStream;
  readonly metrics: MetricsCollector;
  /** `/etc/portal.yaml`, read per request. */
  readonly appsFile: AppsFile;
  /** Direct links and the learned public IP, shared with the tunnel API. */
  readonly direct: DirectUrls;
  /** GPU summary for the page header. */
  readonly gpuSummary: () => Promise<string>;
  /** Receives problems worth a log line (a bad links file, a bad capability fragment). Defaults to stderr. */
  readonly log?: (line: string) => void;
  /** The idle watcher, whose countdown the page shows and a user may postpone. */
  readonly autostop: Autostop;
}

/** The portal app's handlers. */
export interface PortalApp {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

const ASSETS: Record<string, string> = {
  "portal.js": "text/javascript; charset=utf-8",
  "tools.js": "text/javascript; charset=utf-8",
  "secure-context.js": "text/javascript; charset=utf-8",
  "portal.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};
const IPV4_HOST = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;

/** Build the portal app. */
export function createPortalApp(deps: PortalAppDeps): PortalApp {
  const { settings, paths, tunnels, supervisor } = deps;
  const { appsFile, direct } = deps;
  const logSocket = createLogSocket({ stream: deps.logs });
  const assets = new Map(Object.keys(ASSETS).map((name) => [name, readAsset(name)]));
  const indexHtml = readAsset("index.html").toString("utf8");
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let gpu: Promise<string> | undefined;
  let linksReported = "";
  const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

  const cookieToken = (req: IncomingMessage) => {
    for (const part of (req.headers.cookie ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === settings.auth.cookieName) return part.slice(eq + 1).trim();
    }
    return undefined;
  };

  const routes: Route[] = [
    {
      method: "GET",
      pattern: "/",
      handler: async ({ req, res, query }) => {
        if (query.has("token")) {
          sendText(res, 302, "", "text/plain", { Location: "/" });
          return;
        }
        // §4.1: learn the public IP the user really used from the front's X-Forwarded-Host.
        const m = IPV4_HOST.exec(String(req.headers["x-forwarded-host"] ?? ""));
        if (m !== null && m[2] === settings.mappedPorts.get(1111)) direct.setPublicIp(m[1] as string);
        gpu ??= deps.gpuSummary();
        const [apps, tools] = await Promise.all([appsFile.read(), loadToolsPage({ file: paths.portalLinks, env: settings.portalLinks })]);
        // A bad links file is logged when its problems change, not on every page load.
        const problems = tools.errors.join("\n");
        if (problems !== linksReported) for (const error of tools.errors) log(`portal: Tools page: ${error}`);
        linksReported = problems;
        // The app that is this portal (1111 by convention): the one the secure-context redirect looks up (§4.3).
        const self = apps.find((a) => a.internal_port === settings.appPort && a.external_port !== a.internal_port);
        const instance = {
          id: settings.containerId ?? "",
          gpu: await gpu,
          direct_https: settings.https ? "true" : "false",
          portal_port: self?.external_port ?? 1111,
        };
        const html = indexHtml.replace("{{INSTANCE_JSON}}", () => inlineJson(instance)).replace("{{TOOLS_JSON}}", () => inlineJson(tools));
        sendText(res, 200, html, "text/html; charset=utf-8", { "Cache-Control": "no-store" });
      },
    },
    {
      method: "GET",
      pattern: "/static/:name",
      handler: ({ res, params }) => {
        const body = assets.get(params.name ?? "");
        if (body === undefined) throw notFound("Not Found");
        sendText(res, 200, body, ASSETS[params.name ?? ""], { "Cache-Control": "public, max-age=300" });
      },
    },
    { method: "GET", pattern: "/health", handler: ({ res }) => sendJson(res, 200, { status: "ok" }) },
    {
      method: "GET",
      pattern: "/get-applications",
      handler: async ({ req, res }) => {
        sendJson(res, 200, hydrate(await appsFile.read(), settings.https, settings.mappedPorts, cookieToken(req)));
      },
    },
    {
      method: "GET",
      pattern: "/get-existing-quick-tunnel/*target",
      handler: ({ res, params }) => {
        const url = tunnels.existingQuickTunnel(params.target ?? "");
        if (url === undefined) throw notFound("Tunnel not found");
        sendText(res, 200, url, "text/html; charset=utf-8");
      },
    },
    {
      method: "GET",
      pattern: "/get-existing-named-tunnel/:port",
      handler: async ({ res, params }) => {
        if (settings.cfTunnelToken === undefined) throw notFound("CF_TUNNEL_TOKEN is not set");
        const url = await tunnels.namedTunnelForPort(Number(params.port));
        if (url === undefined) throw notFound("Named tunnel not found");
        sendText(res, 200, url, "text/html; charset=utf-8");
      },
    },
    {
      method: "GET",
      pattern: "/get-named-tunnels",
      handler: async ({ res }) => {
        if (settings.cfTunnelToken === undefined) throw notFound("Tunnel config not found");
        sendJson(res, 200, await tunnels.namedTunnels());
      },
    },
    createQuickTunnelRoute("POST", "/start-quick-tunnel/*target", tunnels),
    ...sharedTunnelRoutes({ tunnels, direct, appsFile }),
    { method: "GET", pattern: "/supervisor/processes", handler: async ({ res }) => sendJson(res, 200, await supervisor.processes()) },
    ...(["start", "stop", "restart"] as const).map((action): Route => ({
      method: "POST",
      pattern: `/supervisor/process/:name/${action}`,
      handler: async ({ res, params }) => {
        const name = params.name ?? "";
        await supervisor[action](name);
        sendJson(res, 200, { status: "ok", name, action });
      },
    })),
    {
      method: "GET",
      pattern: "/download-logs",
      handler: async ({ res, query }) => {
        const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
        const given = (query.get("filename") ?? "").replace(/[^A-Za-z0-9._-]/g, "").replace(/\.zip$/, "");
        const name = `${given === "" ? `logs_${stamp}` : given}.zip`;
        const zip = createZip(await collectLogs(paths.logDir, paths.varDir));
        sendText(res, 200, zip, "application/zip", { "Content-Disposition": `attachment; filename="${name}"` });
      },
    },
    { method: "GET", pattern: "/system-metrics", handler: async ({ res }) => sendJson(res, 200, await deps.metrics.collect()) },
    ...capabilityRoutes({ ...deps, log }, capabilityExtensions),
    ...autostopRoutes(deps.autostop),
  ];
  const router = createRouter(routes);

  return {
    handleRequest: router,
    handleUpgrade(req, socket, head) {
      const p = (req.url ?? "").split("?")[0];
      if (p === "/ws-logs") logSocket.handleUpgrade(req, socket, head);
      else writeRawResponse(socket, 404, ["Content-Type", "text/plain"], "Not Found\n");
    },
    close() {
      logSocket.close();
    },
  };
}

/** Every regular file under `/var/log`, named relative to `/var` (§4.1). */
async function collectLogs(logDir: string, varDir: string): Promise<ZipEntry[]> {
  const out: ZipEntry[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile()) {
        const [data, st] = await Promise.all([fs.readFile(full).catch(() => undefined), fs.stat(full).catch(() => undefined)]);
        if (data !== undefined && st !== undefined)
          out.push({ name: path.relative(varDir, full).split(path.sep).join("/"), data, mtime: st.mtime });
      }
    }
  };
  await walk(logDir, 0);
  return out;
}
