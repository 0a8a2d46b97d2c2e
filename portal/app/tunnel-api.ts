/**
 * The tunnel manager's own API on 127.0.0.1:11112 (instance-runtime.md §5.4),
 * kept for scripts and derivative images that call it directly. It shares the
 * portal's {@link TunnelManager} and {@link DirectUrls}, and the routes both
 * answer alike (`tunnel-routes.ts`); the JSON shapes and 404 wording follow the
 * original FastAPI service.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PortalError, PortalErrorCode } from "../errors.ts";
import type { AppsFile } from "./applications.ts";
import type { DirectUrls } from "./direct-urls.ts";
import { createRouter, notFound, sendJson } from "./http.ts";
import { createQuickTunnelRoute, sharedTunnelRoutes } from "./tunnel-routes.ts";
import type { TunnelManager } from "./tunnels.ts";

/** What the tunnel API is built from. */
export interface TunnelApiDeps {
  readonly tunnels: TunnelManager;
  readonly direct: DirectUrls;
  readonly appsFile: AppsFile;
  /** Whether `CF_TUNNEL_TOKEN` is set. */
  readonly namedConfigured: boolean;
}

/** Build the request handler of the tunnel API. */
export function createTunnelApi(deps: TunnelApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { tunnels, direct } = deps;
  return createRouter([
    {
      method: "PUT",
      pattern: "/set-public-ip/:ip",
      handler: ({ res, params }) => {
        if (!direct.setPublicIp(params.ip ?? "")) throw new PortalError(PortalErrorCode.badRequest, "Invalid IP address", { status: 500 });
        sendJson(res, 200, { message: "Public IP set successfully" });
      },
    },
    createQuickTunnelRoute("GET", "/get-quick-tunnel/*target", tunnels),
    {
      method: "GET",
      pattern: "/get-quick-tunnel-if-exists/*target",
      handler: ({ res, params }) => {
        const url = tunnels.existingQuickTunnel(params.target ?? "");
        if (url === undefined) throw notFound("Quick tunnel not found");
        sendJson(res, 200, { tunnel_url: url });
      },
    },
    ...sharedTunnelRoutes(deps),
    {
      method: "GET",
      pattern: "/get-named-tunnels",
      handler: async ({ res }) => {
        if (!deps.namedConfigured) throw notFound("CF_TUNNEL_TOKEN is not set");
        sendJson(res, 200, await tunnels.namedTunnels());
      },
    },
    {
      method: "GET",
      pattern: "/get-named-tunnel/:port",
      handler: async ({ res, params }) => {
        if (!deps.namedConfigured) throw notFound("CF_TUNNEL_TOKEN is not set");
        const url = await tunnels.namedTunnelForPort(Number(params.port));
        if (url === undefined) throw notFound("Named tunnel not found");
        sendJson(res, 200, { tunnel_url: url });
      },
    },
  ]);
}
