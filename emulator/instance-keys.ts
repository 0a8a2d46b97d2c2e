/**
 * Instance-scoped keys (vast-api.md §3.2.4, §6.4): the `instance_api_key` of a create answer, which
 * the container sees as `CONTAINER_API_KEY`, "can only start, stop or destroy that one instance".
 * The emulator also lets it read that instance, which is how a process inside it learns its own
 * state. Anything else with such a key gets the answer Vast gives a scoped key without the needed
 * permission: 403 `unauthorized` (§1.2 "401 or 403"; vast-api-more.md §4.3 gives the body).
 * Once its instance is destroyed the key is unknown: 401 `auth_error`, like any wrong key.
 */
import { type ApiResult, json } from "./context.ts";
import type { EndpointKey } from "./routes/table.ts";

/** The routes an instance key may call, always on its own instance. */
const INSTANCE_ROUTES: ReadonlySet<EndpointKey> = new Set<EndpointKey>([
  "GET /api/v0/instances/:id",
  "PUT /api/v0/instances/:id",
  "DELETE /api/v0/instances/:id",
]);

/** The 403 answer for a call an instance key is not allowed to make. */
function refused(instanceId: number): ApiResult {
  return json(
    { success: false, error: "unauthorized", msg: `This key may only read, start, stop or destroy instance ${instanceId}.` },
    403,
  );
}

/**
 * Why a call made with the key of instance `instanceId` is refused, or undefined when it is allowed:
 * one of the three instance routes, on that very instance, and on PUT nothing but `state` (a label
 * change is not one of the key's rights).
 */
export function instanceKeyRefusal(
  key: EndpointKey,
  params: Record<string, string>,
  body: unknown,
  instanceId: number,
): ApiResult | undefined {
  if (!INSTANCE_ROUTES.has(key) || params["id"] !== String(instanceId)) return refused(instanceId);
  if (key === "PUT /api/v0/instances/:id") {
    const fields = body !== null && typeof body === "object" ? Object.keys(body) : [];
    if (fields.some((field) => field !== "state")) return refused(instanceId);
  }
  return undefined;
}
