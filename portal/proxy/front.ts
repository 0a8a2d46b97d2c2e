/**
 * One front per proxied app (instance-runtime.md §3.4): the request and
 * upgrade handlers for the listener on the app's external port. Listeners,
 * TLS and ports live in `server.ts`; this module never opens a socket itself.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Authenticator } from "../auth.ts";
import type { PortalApp } from "../../contracts/portal-config.ts";
import { dispatchPooled } from "./dispatch.ts";
import type { ProxyContext, Reply } from "./passes.ts";
import { runPasses } from "./passes.ts";
import { dispatchUpgrade, isWebSocketUpgrade, writeRawResponse } from "./upgrade.ts";
import { UpstreamPool } from "./upstream-pool.ts";

/** Options of {@link createFront}. */
export interface FrontOptions {
  /** The app this front serves (`external_port` ≠ `internal_port`). */
  readonly app: PortalApp;
  readonly authenticator: Authenticator;
  /** The listener terminates TLS (sets `X-Forwarded-Proto: https`). Defaults to false. */
  readonly tls?: boolean;
  /** `CADDY_HEADER_UP_LOCALHOST` applies to this app. Defaults to false. */
  readonly headerUpLocalhost?: boolean;
  /** Forward the auth cookie upstream (the portal app only). Defaults to false. */
  readonly forwardAuthCookie?: boolean;
  /** CORS header pairs for authenticated routes (`CADDY_CORS_ALLOWED_*`). Defaults to none. */
  readonly cors?: readonly string[] | undefined;
  /** Compress responses with zstd or gzip when the client accepts it. Defaults to false. */
  readonly compress?: boolean;
  /** Connect timeout to the upstream in ms before the not-ready page. Defaults to 5000. */
  readonly connectTimeoutMs?: number;
}

/** The handlers of one front. */
export interface Front {
  readonly app: PortalApp;
  /** For `http.Server`'s `request` event. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** For `http.Server`'s `upgrade` event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close pooled upstream connections. */
  close(): void;
}

/** Build the handlers of one front. */
export function createFront(options: FrontOptions): Front {
  const route = {
    app: options.app,
    authenticator: options.authenticator,
    tls: options.tls ?? false,
    headerUpLocalhost: options.headerUpLocalhost ?? false,
    forwardAuthCookie: options.forwardAuthCookie ?? false,
    cors: options.cors,
    compress: options.compress ?? false,
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const pool = new UpstreamPool({ host: options.app.hostname, port: options.app.internal_port, connectTimeoutMs, keepAliveMs: 4_000 });

  return {
    app: options.app,
    handleRequest(req, res) {
      const reply: Reply = (status, headers, body) => {
        res.writeHead(status, headers as string[]);
        res.end(req.method === "HEAD" ? undefined : body);
      };
      const ctx: ProxyContext = { req, route, reply, upgrade: false };
      if (runPasses(ctx)) return;
      dispatchPooled(ctx, res, pool);
    },
    handleUpgrade(req, socket, head) {
      socket.on("error", () => socket.destroy());
      if (!isWebSocketUpgrade(req.method, req.headers.upgrade)) {
        writeRawResponse(socket, 400, ["Content-Type", "text/plain"], "Bad Request\n");
        return;
      }
      const reply: Reply = (status, headers, body) => writeRawResponse(socket, status, headers, body);
      const ctx: ProxyContext = { req, route, reply, upgrade: true };
      if (runPasses(ctx)) return;
      dispatchUpgrade(ctx, socket, head, connectTimeoutMs);
    },
    close() {
      pool.close();
    },
  };
}
