/**
 * Header hygiene for the front (style.md rule 11, after hono/proxy):
 * hop-by-hop headers are removed in both directions (RFC 9110 §7.6.1), the
 * upstream's `Connection` list is honoured on responses, and the client's is
 * ignored so it cannot strip headers the front adds.
 * @module
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1, plus the legacy `proxy-connection` and `keep-alive`). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers the front always sets itself (§3.4 item 7) and so never copies from the client. */
const SET_BY_FRONT = new Set(["host", "x-real-ip", "x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"]);

/** Answered by the front already (Node sends `100 Continue` itself), so not repeated upstream. */
const ANSWERED = "expect";

/** Inputs of {@link upstreamRequestHeaders}. */
export interface ForwardingInfo {
  /** `Host` to send upstream: `<hostname>:<internal_port>` or `localhost:<port>` (§3.4 item 7). */
  readonly host: string;
  /** When set, `Origin` is replaced by this value (`CADDY_HEADER_UP_LOCALHOST`). */
  readonly origin: string | undefined;
  /** `https` when the listener is TLS or the request came through Cloudflare (`cf-visitor`). */
  readonly proto: string;
  /** `cf-connecting-ip` when present, else the peer address (§3.3 `real_ip_map`). */
  readonly realIp: string;
  /** Value for `X-Forwarded-For`. */
  readonly forwardedFor: string;
  /** Value for `X-Forwarded-Host`. */
  readonly forwardedHost: string | undefined;
  /** Auth cookie to remove from `Cookie`, if any. */
  readonly dropCookie: string | undefined;
  /** Drop `Authorization` (it carried our credential). */
  readonly dropAuthorization: boolean;
  /** Keep `Connection: upgrade` and `Upgrade` (WebSocket handshakes). */
  readonly upgrade: boolean;
}

/**
 * Build the upstream request headers as a flat raw array (`[name, value, …]`),
 * which `http.request` sends as-is without per-header validation passes.
 */
export function upstreamRequestHeaders(raw: readonly string[], info: ForwardingInfo): string[] {
  const out: string[] = ["Host", info.host];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || SET_BY_FRONT.has(lower) || lower === ANSWERED) continue;
    let value = raw[i + 1] as string;
    if (lower === "cookie" && info.dropCookie !== undefined) {
      const kept = removeCookie(value, info.dropCookie);
      if (kept === undefined) continue;
      value = kept;
    } else if (lower === "authorization" && info.dropAuthorization) {
      continue;
    } else if (lower === "origin" && info.origin !== undefined) {
      continue;
    }
    out.push(name, value);
  }
  if (info.origin !== undefined) out.push("Origin", info.origin);
  if (info.upgrade) out.push("Connection", "Upgrade", "Upgrade", "websocket");
  out.push("X-Forwarded-Proto", info.proto, "X-Real-IP", info.realIp, "X-Forwarded-For", info.forwardedFor);
  if (info.forwardedHost !== undefined) out.push("X-Forwarded-Host", info.forwardedHost);
  return out;
}

/**
 * The upstream's response headers as a flat raw array, without hop-by-hop
 * headers, the ones its `Connection` names, and `X-Portal-Placeholder`
 * (only the front may mark a placeholder, §3.6 and §11 bug 5).
 */
export function downstreamResponseHeaders(raw: readonly string[], keepUpgrade = false): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === "connection") {
      named ??= new Set();
      for (const token of (raw[i + 1] as string).split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower === "x-portal-placeholder") continue;
    if (keepUpgrade && (lower === "upgrade" || lower === "connection")) {
      out.push(name, raw[i + 1] as string);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** The first value of header `name` (lower case) in a flat raw array, if any. */
export function headerValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const candidate = raw[i] as string;
    if (candidate.length === name.length && candidate.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

function removeCookie(header: string, name: string): string | undefined {
  if (!header.includes(name)) return header;
  const kept: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    const trimmed = part.trim();
    if (trimmed === "" || (eq >= 0 ? part.slice(0, eq) : part).trim() === name) continue;
    kept.push(trimmed);
  }
  return kept.length === 0 ? undefined : kept.join("; ");
}
