/**
 * The "not ready" interstitial of instance-runtime.md §3.6 (ADR 0017): sent
 * when the front itself cannot reach the backend. A backend's own 5xx never
 * comes here; it passes through untouched.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readAsset } from "../assets.ts";

const PAGE = readAsset("502.html");

/**
 * Answer with the placeholder page: 502, or 200 when the request carries
 * `Cf-Ray` (Cloudflare replaces an origin's 5xx body, §11 bug 5), always with
 * `X-Portal-Placeholder: true` and `Cache-Control: no-store`.
 */
export function sendNotReady(req: IncomingMessage, res: ServerResponse, extraHeaders: readonly string[] = []): void {
  const status = req.headers["cf-ray"] !== undefined ? 200 : 502;
  res.writeHead(status, [
    ...extraHeaders,
    "Content-Type",
    "text/html; charset=utf-8",
    "Content-Length",
    String(PAGE.length),
    "X-Portal-Placeholder",
    "true",
    "Cache-Control",
    "no-store",
  ]);
  res.end(req.method === "HEAD" ? undefined : PAGE);
}
