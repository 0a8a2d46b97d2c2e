/**
 * The portal app's autostop routes: `GET /autostop` (the countdown) and `POST /autostop/postpone`.
 * Both sit behind the front's auth like every portal route. The POST changes state, so it also
 * refuses what another site could make a signed-in browser send (the portal's cookie is
 * `SameSite=lax`, but basic auth is sent cross-site): the body must be JSON (a cross-site form
 * cannot send `application/json` without a CORS preflight, which the front never grants for this
 * path), and an `Origin` or `Sec-Fetch-Site` header, when present, must say same origin.
 * @module
 */
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { PortalError, PortalErrorCode } from "../errors.ts";
import type { Route } from "../app/http.ts";
import { sendJson } from "../app/http.ts";
import { MAX_POSTPONE_MINUTES } from "./watcher.ts";
import type { Autostop } from "./watcher.ts";

const PostponeBody = z.strictObject({
  minutes: z.number().int().min(1).max(MAX_POSTPONE_MINUTES).optional(),
});
const MAX_BODY = 4096;

/** Throws `PORTAL_CROSS_SITE` (403) unless the request is a same-origin JSON request. */
export function requireSameOriginJson(req: IncomingMessage): void {
  const refuse = (why: string) => new PortalError(PortalErrorCode.crossSite, why, { status: 403 });
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  if (type !== "application/json") throw refuse("Content-Type must be application/json");
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") throw refuse(`cross-site request (Sec-Fetch-Site: ${site})`);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const host = String(req.headers["x-forwarded-host"] ?? req.headers.host ?? "");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw refuse("unreadable Origin");
  }
  if (originHost !== host) throw refuse("Origin is not this portal");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new PortalError(PortalErrorCode.badRequest, "body too large", { status: 413 });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  try {
    return text === "" ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new PortalError(PortalErrorCode.badRequest, "body is not JSON", { status: 400 });
  }
}

/** The routes, for `createPortalApp`. */
export function autostopRoutes(autostop: Autostop): Route[] {
  return [
    { method: "GET", pattern: "/autostop", handler: ({ res }) => sendJson(res, 200, autostop.status(), { "Cache-Control": "no-store" }) },
    {
      method: "POST",
      pattern: "/autostop/postpone",
      handler: async ({ req, res }) => {
        requireSameOriginJson(req);
        const parsed = PostponeBody.safeParse(await readJson(req));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new PortalError(PortalErrorCode.badRequest, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`, {
            status: 400,
          });
        }
        if (!autostop.status().enabled) throw new PortalError(PortalErrorCode.badRequest, "autostop is off", { status: 409 });
        sendJson(res, 200, autostop.postpone(parsed.data.minutes), { "Cache-Control": "no-store" });
      },
    },
  ];
}
