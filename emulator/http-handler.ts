/**
 * The request pipeline, in order: normalise the path, route `/_emulator/` to the admin API,
 * match the route, count it, add latency, check the key (the account's, or an instance's own for
 * calls on that instance), apply the documented rate limits and the
 * 429/5xx faults, parse the body, run the handler (after a `slowRequest` delay), render (after a
 * `slowAnswer` delay). Every answer goes through `sendJson`/`sendText`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiResult, EmulatorState } from "./context.ts";
import type { ApiKeyRecord } from "./db.ts";
import { keyHash } from "./key-hash.ts";
import { ApiError } from "./errors.ts";
import type { RequestStats } from "./faults.ts";
import type { RateLimiter } from "./rate-limits.ts";
import { instanceKeyRefusal } from "./instance-keys.ts";
import { bearerKey, normalisePath, presentedKey, readBody, sendJson, sendText } from "./http-io.ts";
import { type AdminControls, handleAdmin } from "./routes/admin.ts";
import { HANDLERS } from "./routes/index.ts";
import { matchRoute } from "./routes/table.ts";

/** The body of every auth failure (§1.2). */
const AUTH_ERROR = { success: false, error: "auth_error", msg: "Invalid user key" };

/** What the pipeline needs besides the shared state. */
export interface PipelineOptions {
  state: EmulatorState;
  stats: RequestStats;
  limits: RateLimiter;
  admin: AdminControls;
  apiKey: string;
  /** Base latency of every API request, in ms. */
  latencyMs: number;
  log?: (line: string) => void;
}

/**
 * Splits the request target by hand: `new URL('//api/v0/x', base)` would read `api` as a host,
 * and a doubled slash is exactly what `--url http://h/` produces (§1.1).
 */
function splitUrl(target: string | undefined): { path: string; query: URLSearchParams } {
  const raw = target ?? "/";
  const mark = raw.indexOf("?");
  return {
    path: normalisePath(mark < 0 ? raw : raw.slice(0, mark)),
    query: new URLSearchParams(mark < 0 ? "" : raw.slice(mark + 1)),
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** A 5xx the way a gateway or the app would answer it, with no side effect. */
function serverError(res: ServerResponse, status: 500 | 502 | 503): void {
  if (status === 500) {
    sendJson(res, 500, { success: false, error: "server_error", msg: "Internal Server Error" });
    return;
  }
  const title = status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable";
  sendText(
    res,
    status,
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`,
    "text/html",
  );
}

function render(res: ServerResponse, result: ApiResult): void {
  if (result.kind === "drop") {
    // The create is committed; the client sees a reset connection (§5.4 "How duplicates happen").
    res.socket?.destroy();
    return;
  }
  if (result.kind === "json") sendJson(res, result.status, result.body);
  else sendText(res, result.status, result.body, result.contentType);
}

/** Builds the `(req, res)` listener of the emulator's HTTP server. */
export function createRequestListener(options: PipelineOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { state, stats, limits, admin, log } = options;
  const expected = digest(options.apiKey);
  const keyMatches = (key: string | undefined): boolean => key !== undefined && timingSafeEqual(digest(key), expected);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const method = req.method ?? "GET";
    const { path, query } = splitUrl(req.url);
    const rawBody = await readBody(req);

    if (path === "/_emulator" || path.startsWith("/_emulator/")) {
      if (!keyMatches(bearerKey(req))) {
        sendJson(res, 401, AUTH_ERROR);
        return `admin ${path} 401`;
      }
      const answer = await handleAdmin(admin, method, path, rawBody);
      render(res, answer);
      return `admin ${method} ${path} ${answer.kind === "drop" ? "-" : answer.status}`;
    }

    const match = matchRoute(method, path);
    if (!("key" in match)) {
      const status = match.methodMismatch ? 405 : 404;
      sendJson(res, status, { success: false, error: "not_found", msg: `${method} ${path} is not an API route` });
      return `${method} ${path} ${status}`;
    }
    stats.record(match.key);
    const delay = options.latencyMs + state.faults.latencyMs();
    if (delay > 0) await sleep(delay);

    // Any live key authenticates, the configured one (key 1 of account 1) or one made through the API
    // (vast-api-more.md §4.6); an instance's own key (instance-keys.ts) too, for calls on that instance only.
    let caller: ApiKeyRecord | undefined;
    let scopedTo: number | undefined;
    if (match.auth !== "none") {
      const key = presentedKey(req, query);
      caller = key === undefined ? undefined : state.db.findApiKey(keyHash(key));
      if ((match.auth === "api" || key !== undefined) && !caller) {
        scopedTo = key === undefined ? undefined : state.db.instanceIdForApiKey(key);
        if (scopedTo === undefined) {
          sendJson(res, 401, AUTH_ERROR);
          return `${match.key} 401`;
        }
      }
    }
    // No Retry-After header on either kind of 429: Vast never sends one (§5.1).
    const overLimit = limits.take(match.key, presentedKey(req, query), req.socket.remoteAddress ?? "", Date.now());
    if (overLimit) {
      sendJson(res, 429, { detail: `API requests too frequent endpoint threshold=${overLimit}` });
      return `${match.key} 429`;
    }
    const limited = state.faults.rateLimit(match.key);
    if (limited) {
      if (limited.plainText) sendText(res, 429, "API requests too frequent", "text/plain");
      else sendJson(res, 429, { detail: `API requests too frequent endpoint threshold=${limited.threshold}` });
      return `${match.key} 429 (fault)`;
    }
    const failure = state.faults.serverError(match.key);
    if (failure) {
      serverError(res, failure);
      return `${match.key} ${failure} (fault)`;
    }

    let body: unknown = {};
    // GET bodies are ignored (§9 item 1); others must be JSON when present.
    if (method !== "GET" && rawBody.trim() !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        sendJson(res, 400, { error: "invalid_request", msg: "Invalid json body" });
        return `${match.key} 400`;
      }
    }
    const refusal = scopedTo === undefined ? undefined : instanceKeyRefusal(match.key, match.params, body, scopedTo);
    if (refusal) {
      render(res, refusal);
      return `${match.key} 403 (instance key)`;
    }
    const slowRequest = state.faults.slowRequestMs(match.key);
    if (slowRequest > 0) await sleep(slowRequest);
    const handler = HANDLERS[match.key];
    let result: ApiResult;
    try {
      result = handler({ state, params: match.params, query: query, body, now: state.clock.now(), caller });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      result = { kind: "json", status: error.status, body: error.body };
    }
    const slowAnswer = state.faults.slowAnswerMs(match.key);
    if (slowAnswer > 0) await sleep(slowAnswer);
    render(res, result);
    return `${match.key} ${result.kind === "drop" ? "dropped" : result.status}`;
  }

  return (req, res) => {
    const started = Date.now();
    handle(req, res).then(
      (line) => log?.(`${line} ${Date.now() - started}ms`),
      (error: unknown) => {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log?.(`${req.method} ${splitUrl(req.url).path} 500 ${message}`);
        if (!res.headersSent) sendJson(res, 500, { success: false, error: "server_error", msg: "Internal Server Error" });
        else res.destroy();
      },
    );
  };
}
