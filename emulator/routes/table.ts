/**
 * Every route the emulator serves, as `[method, pattern, auth]`. The `"<METHOD> <pattern>"`
 * string is the endpoint key used by fault injection and stats (see emulator/README.md).
 * Order matters: a literal segment must come before a `:param` in the same position
 * (`/instances/filters` before `/instances/:id`).
 */

/** `api`: the key is required. `optional`: anonymous allowed, a wrong key still fails (§1.2). `none`: never checked. */
export type RouteAuth = "api" | "optional" | "none";

export const ROUTES = [
  ["GET", "/api/v0/gpu_names/unique", "none"],
  ["GET", "/api/v0/users/current", "api"],
  ["POST", "/api/v0/bundles", "optional"],
  ["PUT", "/api/v0/search/asks", "optional"],
  ["PUT", "/api/v0/asks/:id", "api"],
  ["GET", "/api/v1/instances", "api"],
  ["GET", "/api/v0/instances", "api"],
  ["PUT", "/api/v0/instances", "api"],
  ["DELETE", "/api/v0/instances", "api"],
  ["GET", "/api/v0/instances/filters", "api"],
  ["PUT", "/api/v0/instances/reboot/:id", "api"],
  ["PUT", "/api/v0/instances/recycle/:id", "api"],
  ["PUT", "/api/v0/instances/bid_price/:id", "api"],
  ["PUT", "/api/v0/instances/request_logs/:id", "api"],
  ["GET", "/api/v0/instances/:id", "api"],
  ["PUT", "/api/v0/instances/:id", "api"],
  ["DELETE", "/api/v0/instances/:id", "api"],
  ["GET", "/api/v0/instances/:id/ssh", "api"],
  ["POST", "/api/v0/instances/:id/ssh", "api"],
  ["DELETE", "/api/v0/instances/:id/ssh/:keyId", "api"],
  ["GET", "/api/v0/template", "api"],
  ["POST", "/api/v0/template", "api"],
  ["PUT", "/api/v0/template", "api"],
  // vastai 1.9 edits through v1 with `id` and `hash_id` (observed from the pinned CLI; not in vast-api.md).
  ["PUT", "/api/v1/template", "api"],
  ["DELETE", "/api/v0/template", "api"],
  ["GET", "/api/v0/ssh", "api"],
  ["POST", "/api/v0/ssh", "api"],
  ["PUT", "/api/v0/ssh/:id", "api"],
  ["DELETE", "/api/v0/ssh/:id", "api"],
  ["GET", "/api/v0/secrets", "api"],
  ["POST", "/api/v0/secrets", "api"],
  ["PUT", "/api/v0/secrets", "api"],
  ["DELETE", "/api/v0/secrets", "api"],
  ["POST", "/api/v0/volumes/search", "optional"],
  ["GET", "/api/v0/volumes", "api"],
  ["PUT", "/api/v0/volumes", "api"],
  ["DELETE", "/api/v0/volumes", "api"],
  ["GET", "/api/v0/charges", "api"],
  // Network volumes in the CLI's forms (vast-api-more.md §2.2); listed and deleted through /volumes.
  ["POST", "/api/v0/network_volumes/search", "api"],
  ["PUT", "/api/v0/network_volumes", "api"],
  // Teams, roles, members, API keys, subaccounts (vast-api-more.md §4).
  ["POST", "/api/v0/team", "api"],
  ["DELETE", "/api/v0/team", "api"],
  ["POST", "/api/v0/team/roles", "api"],
  ["GET", "/api/v0/team/roles-full", "api"],
  ["GET", "/api/v0/team/roles/:name", "api"],
  ["PUT", "/api/v0/team/roles/:id", "api"],
  ["DELETE", "/api/v0/team/roles/:name", "api"],
  ["POST", "/api/v0/team/invite", "api"],
  ["GET", "/api/v0/team/members", "api"],
  ["DELETE", "/api/v0/team/members/:id", "api"],
  ["POST", "/api/v0/auth/apikeys", "api"],
  ["GET", "/api/v0/auth/apikeys", "api"],
  ["GET", "/api/v0/auth/apikeys/:id", "api"],
  ["DELETE", "/api/v0/auth/apikeys/:id", "api"],
  ["POST", "/api/v0/users", "api"],
  ["GET", "/api/v0/subaccounts", "api"],
  // Clusters and overlays (vast-api-more.md §5).
  ["POST", "/api/v0/cluster", "api"],
  ["PUT", "/api/v0/cluster", "api"],
  ["DELETE", "/api/v0/cluster/remove_machine", "api"],
  ["DELETE", "/api/v0/cluster", "api"],
  ["GET", "/api/v0/clusters", "api"],
  ["POST", "/api/v0/overlay", "api"],
  ["GET", "/api/v0/overlay", "api"],
  ["PUT", "/api/v0/overlay", "api"],
  ["DELETE", "/api/v0/overlay", "api"],
  // The log upload that `request_logs` points at: another host in the real service, fetched without auth (§3.4).
  ["GET", "/instance_logs/:file", "none"],
  // Serverless (vast-api-more.md §3): endpoints, workergroups under both of their paths, and the autoscaler host's calls at the root.
  ["GET", "/api/v0/endptjobs", "api"],
  ["POST", "/api/v0/endptjobs", "api"],
  ["GET", "/api/v0/endptjobs/:id", "api"],
  ["PUT", "/api/v0/endptjobs/:id", "api"],
  ["DELETE", "/api/v0/endptjobs/:id", "api"],
  ["GET", "/api/v0/autojobs", "api"],
  ["POST", "/api/v0/autojobs", "api"],
  ["PUT", "/api/v0/autojobs/:id", "api"],
  ["DELETE", "/api/v0/autojobs/:id", "api"],
  ["GET", "/api/v0/workergroups", "api"],
  ["POST", "/api/v0/workergroups", "api"],
  ["PUT", "/api/v0/workergroups/:id", "api"],
  ["DELETE", "/api/v0/workergroups/:id", "api"],
  ["POST", "/get_endpoint_workers", "api"],
  ["POST", "/get_workergroup_workers", "api"],
  ["POST", "/get_endpoint_logs", "api"],
  ["POST", "/get_autogroup_logs", "api"],
  ["POST", "/update_workers", "api"],
] as const satisfies ReadonlyArray<readonly [string, string, RouteAuth]>;

/** `"<METHOD> <pattern>"`, e.g. `"PUT /api/v0/asks/:id"`. */
type Route = (typeof ROUTES)[number];
export type EndpointKey = Route extends infer R
  ? R extends readonly [infer M extends string, infer P extends string, RouteAuth]
    ? `${M} ${P}`
    : never
  : never;

/** Every valid endpoint key, in table order. */
export const ENDPOINT_KEYS: readonly string[] = ROUTES.map(([method, pattern]) => `${method} ${pattern}`);

/** A request matched to a route. */
export interface RouteMatch {
  key: EndpointKey;
  auth: RouteAuth;
  params: Record<string, string>;
}

const compiled = ROUTES.map(([method, pattern, auth]) => ({
  method: method as string,
  key: `${method} ${pattern}` as EndpointKey,
  auth: auth as RouteAuth,
  segments: pattern.split("/").filter(Boolean),
}));

/**
 * Finds the route for a normalised path (no trailing or doubled slashes). Returns null when
 * nothing matches; `methodMismatch` tells a 405 from a 404.
 */
export function matchRoute(method: string, path: string): RouteMatch | { methodMismatch: boolean } {
  const parts = path.split("/").filter(Boolean);
  let pathKnown = false;
  for (const route of compiled) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = route.segments.every((segment, i) => {
      const part = parts[i] ?? "";
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(part);
        return true;
      }
      return segment === part;
    });
    if (!ok) continue;
    if (route.method !== method) {
      pathKnown = true;
      continue;
    }
    return { key: route.key, auth: route.auth, params };
  }
  return { methodMismatch: pathKnown };
}
