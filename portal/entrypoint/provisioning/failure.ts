/**
 * What a failed run does last (the manifest's `on_failure`, instance-runtime.md §1.3): the webhook
 * (best effort, never fails the run) and, for `destroy`, the instance's own destruction through the
 * Vast API with `CONTAINER_API_KEY` (vast-api.md §3: that key can start, stop or destroy only its
 * own instance), so a broken rent stops billing.
 * @module
 */
import type { ProvisionRuntime } from "./runtime.ts";
import { shownUrl } from "./downloads.ts";
import { withRetry } from "./retry.ts";
import { actOnSelf } from "../../index.ts";

/** What the webhook receives as JSON. */
export interface WebhookPayload {
  /** `success`, or the failure action taken (`continue`, `stop`, `destroy`). */
  readonly action: string;
  readonly status: "complete" | "failed";
  readonly error: string;
  readonly manifest: string;
  readonly container_id: string;
  readonly timestamp: string;
  readonly phases: Readonly<Record<string, string>>;
}

/** POST `payload` to `url`; a failure is logged, never thrown. */
export async function callWebhook(rt: ProvisionRuntime, url: string, payload: WebhookPayload): Promise<void> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "vast-kit-provisioner/1" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    rt.log.info(`webhook ${shownUrl(url)} answered ${response.status}`);
  } catch (err) {
    rt.log.warn(`webhook ${shownUrl(url)} failed: ${(err as Error).message}`);
  }
}

/**
 * `DELETE /api/v0/instances/{CONTAINER_ID}/` with the instance's own key (tried three times).
 * @returns whether Vast accepted it
 */
export async function destroySelf(rt: ProvisionRuntime): Promise<boolean> {
  const { containerId, containerApiKey, apiUrl } = rt.settings;
  if (containerId === undefined || containerApiKey === undefined) {
    rt.log.error("on_failure destroy: CONTAINER_ID or CONTAINER_API_KEY is not set; the instance is left running");
    return false;
  }
  const url = `${apiUrl}/api/v0/instances/${encodeURIComponent(containerId)}/`;
  try {
    await withRetry(rt, `DELETE ${url}`, { attempts: 3, initialDelayMs: 2_000, multiplier: 2 }, () =>
      actOnSelf({ apiUrl, apiKey: containerApiKey, instanceId: containerId, action: "destroy" }),
    );
    rt.log.warn(`on_failure destroy: Vast accepted the destruction of instance ${containerId}`);
    return true;
  } catch (err) {
    rt.log.error(`on_failure destroy: DELETE ${url} failed: ${(err as Error).message}; the instance is left running`);
    return false;
  }
}
