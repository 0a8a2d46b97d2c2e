/**
 * The front's incoming passes, in order (style.md rule 10, after httpxy's
 * `web-incoming`): each pass either answers the request and returns `true`,
 * or fills in the context and lets the next pass run. The same passes serve
 * plain requests and WebSocket upgrades; only the final dispatch differs.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { AuthDecision, Authenticator } from "../auth.ts";
import type { PortalApp } from "../../contracts/portal-config.ts";
import { upstreamRequestHeaders } from "./headers.ts";
import type { RequestTarget } from "./request-target.ts";
import { parseRequestTarget } from "./request-target.ts";

/** How a pass answers: the front supplies one for responses, one for raw upgrade sockets. */
export type Reply = (status: number, headers: readonly string[], body?: string) => void;

/** Per-front settings the passes read. */
export interface FrontRoute {
  readonly app: PortalApp;
  readonly authenticator: Authenticator;
  /** The listener terminates TLS. */
  readonly tls: boolean;
  /** Send `Host: localhost:<internal>` and a matching `Origin` (`CADDY_HEADER_UP_LOCALHOST`). */
  readonly headerUpLocalhost: boolean;
  /** Forward the auth cookie (only to the portal app itself, which reads it for launch links, §4.1). */
  readonly forwardAuthCookie: boolean;
  /**
   * `CADDY_CORS_ALLOWED_*` as flat header pairs, added to responses of
   * authenticated routes when the backend did not set them (§3.2, §3.4 6a).
   */
  readonly cors: readonly string[] | undefined;
  /** Compress responses for clients that accept it (`CADDY_ENABLE_COMPRESSION`). */
  readonly compress: boolean;
}

/** State shared by the passes of one request. */
export interface ProxyContext {
  readonly req: IncomingMessage;
  readonly route: FrontRoute;
  readonly reply: Reply;
  /** Whether this is a WebSocket upgrade. */
  readonly upgrade: boolean;
  target?: RequestTarget;
  decision?: Extract<AuthDecision, { action: "proxy" }>;
  /** Path and query to request upstream. */
  upstreamPath?: string;
  /** Flat raw upstream request headers. */
  upstreamHeaders?: string[];
}

/** One named step of the pipeline; returns true when it answered the request. */
export interface Pass {
  readonly name: string;
  run(ctx: ProxyContext): boolean;
}

const CORS = ["Access-Control-Allow-Origin", "*", "Access-Control-Allow-Methods", "GET, OPTIONS", "Access-Control-Allow-Headers", "*"];
const EMPTY = ["Content-Length", "0"];

/** Rejects unparseable targets and duplicate `Host` headers (RFC 9112 §3.2: 400). */
export const checkRequest: Pass = {
  name: "checkRequest",
  run(ctx) {
    const target = parseRequestTarget(ctx.req.url ?? "");
    let hosts = 0;
    const raw = ctx.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).length === 4 && (raw[i] as string).toLowerCase() === "host") hosts++;
    if (target === undefined || hosts > 1) {
      ctx.reply(400, ["Content-Type", "text/plain", "Connection", "close"], "Bad Request\n");
      return true;
    }
    ctx.target = target;
    return false;
  },
};

/** `/portal-resolver`: 200 with CORS from the front itself, no auth, even with the backend down (§3.4, §11 bug 11). */
export const portalResolver: Pass = {
  name: "portalResolver",
  run(ctx) {
    if (ctx.target?.path !== "/portal-resolver") return false;
    ctx.reply(200, [...CORS, ...EMPTY]);
    return true;
  },
};

/** The §3.5 decision: 401, 429, 302, or on to the upstream. */
export const authenticate: Pass = {
  name: "authenticate",
  run(ctx) {
    const target = ctx.target as RequestTarget;
    const decision = ctx.route.authenticator.decide({
      target,
      headers: ctx.req.headers,
      client: clientKey(ctx.req),
      port: ctx.route.app.external_port,
    });
    switch (decision.action) {
      case "proxy":
        ctx.decision = decision;
        return false;
      case "redirect":
        ctx.reply(302, ["Location", decision.location, "Set-Cookie", decision.setCookie, ...EMPTY]);
        return true;
      case "limited":
        ctx.reply(429, ["Retry-After", String(decision.retryAfterSeconds), "Content-Type", "text/plain"], "Too Many Requests\n");
        return true;
      case "deny":
        // Caddy's basic_auth challenge (§3.5 row 1): empty body.
        ctx.reply(401, ["WWW-Authenticate", 'Basic realm="restricted"', ...EMPTY]);
        return true;
    }
  },
};

/** Upstream path and headers: credentials removed, forwarding headers of §3.4 item 7 set. */
export const prepareUpstream: Pass = {
  name: "prepareUpstream",
  run(ctx) {
    const { req, route } = ctx;
    const target = ctx.target as RequestTarget;
    const decision = ctx.decision as Extract<AuthDecision, { action: "proxy" }>;
    ctx.upstreamPath = decision.query === undefined ? target.path : `${target.path}?${decision.query}`;
    const peer = req.socket.remoteAddress ?? "";
    const trusted = isLoopback(peer);
    const h = req.headers;
    const proto = route.tls || h["cf-visitor"] !== undefined ? "https" : "http";
    const { hostname, internal_port: port } = route.app;
    const local = route.headerUpLocalhost;
    const xff = h["x-forwarded-for"];
    const xfh = h["x-forwarded-host"];
    ctx.upstreamHeaders = upstreamRequestHeaders(req.rawHeaders, {
      host: local ? `localhost:${port}` : `${hostname}:${port}`,
      origin: local ? `${proto}://localhost:${port}` : undefined,
      proto,
      realIp: firstValue(h["cf-connecting-ip"]) ?? peer,
      // Client-supplied forwarding headers are kept only from loopback peers
      // (cloudflared and local tools); Caddy likewise ignores untrusted ones (§3.4).
      forwardedFor: trusted && typeof xff === "string" ? `${xff}, ${peer}` : peer,
      forwardedHost: trusted && typeof xfh === "string" ? xfh : h.host,
      dropCookie: route.forwardAuthCookie ? undefined : route.authenticator.cookieName,
      dropAuthorization: decision.stripAuthorization,
      upgrade: ctx.upgrade,
    });
    return false;
  },
};

/** The passes every request goes through before dispatch, in order. */
export const incomingPasses: readonly Pass[] = [checkRequest, portalResolver, authenticate, prepareUpstream];

/** Run the passes; true when one of them answered. */
export function runPasses(ctx: ProxyContext, passes: readonly Pass[] = incomingPasses): boolean {
  for (const pass of passes) if (pass.run(ctx)) return true;
  return false;
}

/**
 * The key the failure limiter counts under: `cf-connecting-ip` when the peer is
 * loopback (cloudflared forwards every tunnel visitor from 127.0.0.1), else the peer.
 */
export function clientKey(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  const cf = firstValue(req.headers["cf-connecting-ip"]);
  return cf !== undefined && isLoopback(peer) ? `cf:${cf}` : peer;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
