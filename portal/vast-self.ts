/**
 * The instance stopping or destroying itself through the Vast API, with its own key
 * (`CONTAINER_API_KEY`; used by autostop and by provisioning's `on_failure: destroy`, which "can only start, stop or destroy that one instance", vast-api.md
 * §6.4): stop is `PUT /api/v0/instances/{id}/` `{"state": "stopped"}`, destroy is
 * `DELETE /api/v0/instances/{id}/` `{}` (§3.4). A 404 on destroy means it is already gone (§5.4).
 * @module
 */
import { z } from "zod";
import { PortalError, PortalErrorCode } from "./errors.ts";

/** What {@link actOnSelf} needs. */
export interface SelfAction {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly instanceId: string;
  readonly action: "stop" | "destroy";
}

const Answer = z.looseObject({ success: z.boolean().optional(), msg: z.string().optional(), error: z.string().optional() });
const TIMEOUT_MS = 30_000;

/**
 * Asks Vast to stop or destroy this instance; resolves once Vast accepted.
 * @throws PortalError `PORTAL_SELF_ACTION_FAILED` with the method, path, status and Vast's message (never the key)
 */
export async function actOnSelf({ apiUrl, apiKey, instanceId, action }: SelfAction): Promise<void> {
  const method = action === "stop" ? "PUT" : "DELETE";
  const path = `/api/v0/instances/${encodeURIComponent(instanceId)}/`;
  const body = action === "stop" ? { state: "stopped" } : {};
  let res: Response;
  try {
    res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new PortalError(PortalErrorCode.selfActionFailed, `${method} ${apiUrl}${path} failed: ${(err as Error).message}`, {
      cause: err,
      details: { method, path },
    });
  }
  const text = await res.text();
  if (action === "destroy" && res.status === 404) return;
  const parsed = Answer.safeParse(safeJson(text));
  if (res.ok && parsed.success && parsed.data.success !== false) return;
  const said = parsed.success ? (parsed.data.msg ?? parsed.data.error ?? "") : text.slice(0, 200);
  throw new PortalError(PortalErrorCode.selfActionFailed, `${method} ${apiUrl}${path} answered ${res.status}: ${said}`, {
    details: { method, path, status: res.status },
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
