/**
 * The tunnel routes the portal app (instance-runtime.md §4.1) and the tunnel API (§5.4) answer
 * alike: one definition, mounted by both, so their paths, shapes and 404 wording cannot drift.
 * @module
 */
import type { AppsFile } from "./applications.ts";
import type { DirectUrls } from "./direct-urls.ts";
import { notFound, sendJson } from "./http.ts";
import type { Route } from "./http.ts";
import type { TunnelManager } from "./tunnels.ts";

/** What the shared routes are built from. */
export interface TunnelRouteDeps {
  readonly tunnels: TunnelManager;
  readonly direct: DirectUrls;
  readonly appsFile: AppsFile;
}

/** Create-or-get the quick tunnel for the path's target: `POST /start-quick-tunnel/…` in the app, `GET /get-quick-tunnel/…` in the API. */
export function createQuickTunnelRoute(method: Route["method"], pattern: string, tunnels: TunnelManager): Route {
  return {
    method,
    pattern,
    handler: async ({ res, params }) => {
      sendJson(res, 200, { tunnel_url: await tunnels.quickTunnel(params.target ?? "") });
    },
  };
}

/** The direct URL of a port, and listing, stopping and refreshing quick tunnels. */
export function sharedTunnelRoutes({ tunnels, direct, appsFile }: TunnelRouteDeps): Route[] {
  return [
    {
      method: "GET",
      pattern: "/get-direct-url/:port",
      handler: async ({ res, params }) => {
        const url = direct.directUrl(Number(params.port), await appsFile.read());
        if (url === undefined) throw notFound("Direct URL unavailable");
        sendJson(res, 200, { result: url });
      },
    },
    { method: "GET", pattern: "/get-all-quick-tunnels", handler: ({ res }) => sendJson(res, 200, tunnels.allQuickTunnels()) },
    {
      method: "POST",
      pattern: "/stop-quick-tunnel/*target",
      handler: async ({ res, params }) => {
        if (!(await tunnels.stopQuickTunnel(params.target ?? ""))) throw notFound("Quick tunnel not found");
        sendJson(res, 200, { message: "Quick tunnel stopped successfully" });
      },
    },
    {
      method: "POST",
      pattern: "/refresh-quick-tunnel/*target",
      handler: async ({ res, params }) => {
        sendJson(res, 200, { tunnel_url: await tunnels.refreshQuickTunnel(params.target ?? "") });
      },
    },
  ];
}
