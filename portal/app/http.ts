/**
 * A minimal router for the portal app: routes are matched by method and a
 * pattern whose last parameter may swallow the rest of the path (FastAPI's
 * `{target_url:path}`, instance-runtime.md §4.1). Errors render as FastAPI's
 * `{"detail": …}`; anything that is not a PortalError becomes a bare 500.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PortalError, PortalErrorCode } from "../errors.ts";

/** What a handler receives. */
export interface AppRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** A route handler; it writes the response itself. */
export type Handler = (r: AppRequest) => void | Promise<void>;

/** One route: `pattern` like `/supervisor/process/:name/start` or `/stop-quick-tunnel/*target`. */
export interface Route {
  readonly method: "GET" | "POST" | "PUT";
  readonly pattern: string;
  readonly handler: Handler;
}

interface Compiled {
  readonly method: string;
  readonly regex: RegExp;
  readonly names: string[];
  readonly handler: Handler;
}

/** Build a request handler from routes; unmatched paths get 404 `{"detail":"Not Found"}`. */
export function createRouter(routes: readonly Route[]): (req: IncomingMessage, res: ServerResponse) => void {
  const compiled = routes.map(compile);
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    let pathMatched = false;
    for (const route of compiled) {
      const match = route.regex.exec(path);
      if (match === null) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === "GET" && req.method === "HEAD")) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(match[i + 1] ?? "");
      });
      Promise.resolve()
        .then(() => route.handler({ req, res, params, query }))
        .catch((err: unknown) => sendError(res, err));
      return;
    }
    sendJson(res, pathMatched ? 405 : 404, { detail: pathMatched ? "Method Not Allowed" : "Not Found" });
  };
}

/** Answer with JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** Answer with text (`text/plain` unless `type` says otherwise). */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string | Buffer,
  type = "text/plain; charset=utf-8",
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

/** Render an error: a PortalError with its status and message, anything else as a bare 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof PortalError) {
    sendJson(res, err.status, { detail: err.message });
    return;
  }
  process.stderr.write(`portal: unhandled error: ${(err as Error)?.stack ?? String(err)}\n`);
  sendJson(res, 500, { detail: "Internal Server Error" });
}

/** A 404 PortalError with FastAPI's wording. */
export function notFound(detail: string): PortalError {
  return new PortalError(PortalErrorCode.notFound, detail, { status: 404 });
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      if (segment.startsWith("*")) {
        names.push(segment.slice(1));
        return "(.+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { method: route.method, regex: new RegExp(`^${source}$`), names, handler: route.handler };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
