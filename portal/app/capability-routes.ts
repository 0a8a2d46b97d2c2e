/**
 * The capability routes of the portal app (instance-runtime.md §4.1, §8.10):
 * `GET /capabilities[?include=metrics,packages]` and its alias
 * `GET /.well-known/vast-capabilities` answer the whole manifest;
 * `GET /capabilities/services` and `GET /capabilities/endpoints` the typed
 * subsets (`services`, `endpoints_openai`). All are `application/json`; like
 * every portal route they have no auth of their own, the front guards them
 * (a token, cookie or bearer from outside, nothing on loopback). Routes added
 * through `capability-extensions.ts` are served here too and listed.
 * @module
 */
import { PortalError, PortalErrorCode } from "../errors.ts";
import type { CapabilityDeps, CapabilityEndpointInfo, CapabilityInclude } from "./capabilities.ts";
import { CapabilityIncludes, buildCapabilities } from "./capabilities.ts";
import type { CapabilityExtension } from "./capability-extensions.ts";
import type { Route } from "./http.ts";
import { sendJson } from "./http.ts";

const BUILT_IN: readonly CapabilityEndpointInfo[] = [
  { method: "GET", path: "/capabilities", summary: "the whole manifest; ?include=metrics,packages adds live metrics and package versions" },
  { method: "GET", path: "/.well-known/vast-capabilities", summary: "the same manifest at a well-known path" },
  { method: "GET", path: "/capabilities/services", summary: "the portal's services with URLs and supervisor state" },
  { method: "GET", path: "/capabilities/endpoints", summary: "OpenAI-compatible endpoints served on this instance" },
];

/** The capability routes, extensions' routes included. */
export function capabilityRoutes(deps: CapabilityDeps, extensions: readonly CapabilityExtension[]): Route[] {
  const extra = extensions.flatMap((extension) => extension({ settings: deps.settings, paths: deps.paths, log: deps.log }));
  for (const route of extra) {
    if (!route.path.startsWith("/capabilities/"))
      throw new TypeError(`a capability extension route must be under /capabilities/, got ${route.path}`);
  }
  const listed = [...BUILT_IN, ...extra.map(({ method, path, summary }) => ({ method, path, summary }))];
  // A bad fragment is read on every request; its log line is written once.
  const logged = new Set<string>();
  const logOnce = (line: string) => {
    if (logged.has(line)) return;
    logged.add(line);
    deps.log(line);
  };
  const manifest = (include: ReadonlySet<CapabilityInclude>) => buildCapabilities({ ...deps, log: logOnce }, include, listed);
  const whole: Route["handler"] = async ({ res, query }) => sendJson(res, 200, await manifest(parseInclude(query)));
  return [
    { method: "GET", pattern: "/capabilities", handler: whole },
    { method: "GET", pattern: "/.well-known/vast-capabilities", handler: whole },
    {
      method: "GET",
      pattern: "/capabilities/services",
      handler: async ({ res }) => {
        const m = await manifest(new Set());
        sendJson(res, 200, { schema_version: m.schema_version, generated_at: m.generated_at, services: m.services });
      },
    },
    {
      method: "GET",
      pattern: "/capabilities/endpoints",
      handler: async ({ res }) => {
        const m = await manifest(new Set());
        sendJson(res, 200, { schema_version: m.schema_version, generated_at: m.generated_at, endpoints_openai: m.endpoints_openai });
      },
    },
    ...extra.map(({ method, path, handler }): Route => ({ method, pattern: path, handler })),
  ];
}

/** `include` as a comma list or repeated; an unknown value is a 400 naming it and the allowed ones. */
function parseInclude(query: URLSearchParams): Set<CapabilityInclude> {
  const values = query
    .getAll("include")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  const unknown = values.filter((v) => !(CapabilityIncludes as readonly string[]).includes(v));
  if (unknown.length > 0) {
    throw new PortalError(
      PortalErrorCode.badRequest,
      `include: unknown value ${JSON.stringify(unknown[0])}; allowed: ${CapabilityIncludes.join(", ")}`,
      { status: 400 },
    );
  }
  return new Set(values as CapabilityInclude[]);
}
