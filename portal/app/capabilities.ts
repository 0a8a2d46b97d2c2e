/**
 * The capability manifest (instance-runtime.md §8.10): one JSON document an
 * agent reads to learn what this instance offers — image, credentials present,
 * identity and open ports, hardware, Python environments, tools, the portal's
 * services with their URLs and supervisor state, OpenAI-compatible endpoints,
 * provisioning and the auth model. Assembled per request from the fragments
 * (`capability-fragments.ts`), the settings, `/etc/portal.yaml` and live probes.
 *
 * Deliberate difference from the original: `auth.enabled` reports what the
 * front enforces (off only for `ENABLE_AUTH=false`), where the original
 * reported `ENABLE_AUTH == "true"` and so called `ENABLE_AUTH=yes` disabled.
 * @module
 */
import fs from "node:fs/promises";
import type { PortalSettings } from "../config.ts";
import type { InstancePathName } from "../paths.ts";
import { instancePath } from "../paths.ts";
import type { AppsFile } from "./applications.ts";
import { loadFragments } from "./capability-fragments.ts";
import { boundPorts, cudaInfo, environmentKind, exists, isSeparateVolume, onPath, packageVersions } from "./capability-probes.ts";
import type { DirectUrls } from "./direct-urls.ts";
import type { MetricsCollector } from "./metrics.ts";
import type { ProcessInfo, SupervisorClient } from "./supervisor.ts";

/** The manifest's schema version. */
export const CAPABILITIES_SCHEMA_VERSION = 1;

/** Optional, slower parts of the manifest (`?include=`). */
export const CapabilityIncludes = ["metrics", "packages"] as const;
/** One of {@link CapabilityIncludes}. */
export type CapabilityInclude = (typeof CapabilityIncludes)[number];

/** A route listed in the manifest's `discovery.endpoints`. */
export interface CapabilityEndpointInfo {
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  /** One line on what it does. */
  readonly summary: string;
}

/** What the manifest is assembled from. */
export interface CapabilityDeps {
  /** The portal's settings (identity, ports, auth, credentials present). */
  readonly settings: PortalSettings;
  /** Container paths under the instance root (fragments, markers, `/.launch`). */
  readonly paths: Readonly<Record<InstancePathName, string>>;
  /** `/etc/portal.yaml`: the services. */
  readonly appsFile: AppsFile;
  /** Direct URLs and the public IP. */
  readonly direct: DirectUrls;
  /** Supervisor states of the services (none when supervisord does not answer). */
  readonly supervisor: SupervisorClient;
  /** The `/system-metrics` collector, for `include=metrics`. */
  readonly metrics: MetricsCollector;
  /** The GPU summary line. */
  readonly gpuSummary: () => Promise<string>;
  /** Receives a line for each fragment left out (on every request: the caller drops repeats). */
  readonly log: (line: string) => void;
}

/** The boot-time env conventions of the provisioner (§1.3), so an agent knows how to ask for more. */
const PROVISIONING_ENV = [
  "PROVISIONING_MANIFEST",
  "PROVISIONING_SCRIPT",
  "PROVISIONING_APT",
  "PROVISIONING_PIP",
  "PROVISIONING_CONDA",
  "PROVISIONING_GIT_REPOS",
  "PROVISIONING_DOWNLOADS",
  "PROVISIONING_POST_COMMANDS",
];
const PROVISION_ROUTE = "/capabilities/provision";
const TOKEN_ENV = ["OPEN_BUTTON_TOKEN", "WEB_PASSWORD"];

/** Assemble the manifest; `endpoints` are the capability routes served (extensions included). */
export async function buildCapabilities(
  deps: CapabilityDeps,
  include: ReadonlySet<CapabilityInclude>,
  endpoints: readonly CapabilityEndpointInfo[],
): Promise<Record<string, unknown>> {
  const { settings, paths } = deps;
  const scheme = settings.https ? "https" : "http";
  const [apps, fragments, processes, gpu, listening, udpBound] = await Promise.all([
    deps.appsFile.read(),
    loadFragments(paths.capabilitiesDir),
    deps.supervisor.processes().catch((): ProcessInfo[] => []),
    deps.gpuSummary().catch(() => "unknown"),
    boundPorts("tcp"),
    boundPorts("udp"),
  ]);
  for (const error of fragments.errors) deps.log(`capabilities: fragment left out: ${error}`);
  const launchJupyter = /jupyter/i.test(await readText(paths.launchMarker));

  const hints = new Map(fragments.openai_endpoints.map((e) => [e.service, e]));
  const endpointsOpenai: Record<string, unknown>[] = [];
  const services = apps.map((app) => {
    const mapped = settings.mappedPorts.get(app.external_port) ?? "";
    const direct = deps.direct.directUrl(app.external_port, apps);
    const proc = matchProcess(app.name, processes);
    let state = proc?.state ?? "unknown";
    // Jupyter under /.launch is run by Vast, not supervisor (§8.7).
    if (proc === undefined && /jupyter/i.test(app.name) && launchJupyter) state = "vast-managed";
    const entry: Record<string, unknown> = {
      name: app.name,
      hostname: app.hostname,
      internal_port: app.internal_port,
      external_port: app.external_port,
      open_path: app.open_path,
      mapped_port: mapped,
      internal_url: `http://localhost:${app.internal_port}`,
      direct_url: direct === undefined ? null : `${direct}${app.open_path}`,
      supervisor_process: proc?.name ?? null,
      state,
    };
    const hint = hints.get(app.name);
    if (hint !== undefined) {
      const base = hint.path.replace(/\/$/, "");
      entry.openai_v1_base = direct === undefined ? null : `${direct}${base}`;
      entry.capabilities = hint.capabilities;
      endpointsOpenai.push({
        service: app.name,
        base_url: entry.openai_v1_base,
        internal_base_url: `http://localhost:${app.internal_port}${base}`,
        capabilities: hint.capabilities,
        models_path: hint.models_path ?? null,
        auth: { type: "bearer", token_env: TOKEN_ENV },
      });
    }
    return entry;
  });

  const byPort = new Map(services.map((s) => [s.external_port as number, s.name as string]));
  const openPorts = settings.openPorts.map(({ proto, containerPort, publicPort }) => {
    // A self-mapped port (> 65535) is no real container port: the service binds the public port number (§8).
    const selfMapped = containerPort > 65535;
    const bindPort = selfMapped ? Number(publicPort) : containerPort;
    const service = proto === "tcp" ? byPort.get(containerPort) : undefined;
    return {
      proto,
      container_port: containerPort,
      public_port: publicPort,
      ...(selfMapped
        ? {
            self_mapped: true,
            bind_port: bindPort,
            note: `bind port ${publicPort} inside the container (VAST_${proto.toUpperCase()}_PORT_${containerPort})`,
          }
        : {}),
      in_use: (proto === "tcp" ? listening : udpBound).has(bindPort) || service !== undefined,
      ...(service === undefined ? {} : { service }),
    };
  });

  const pythonEnvironments = await Promise.all(
    fragments.python_environments.map(async (env) => {
      const out: Record<string, unknown> = { ...env };
      if (env.path === undefined) return out;
      const dir = instancePath(env.path, settings.instanceRoot);
      const kind = await environmentKind(dir);
      if (kind !== undefined) out.kind = kind;
      if (include.has("packages") && (env.packages_of_interest ?? []).length > 0)
        out.package_versions = await packageVersions(dir, env.packages_of_interest ?? []);
      return out;
    }),
  );
  const tools = await Promise.all(
    fragments.tools.map(async (tool) => ({ ...tool, available: await onPath(String(tool.name), settings.path) })),
  );

  const cuda = await cudaInfo(settings.instanceRoot, settings.path);
  const hardware: Record<string, unknown> = { gpu: { summary: gpu, ...(cuda === undefined ? {} : { cuda }) } };
  if (include.has("metrics")) {
    const m = await deps.metrics.collect();
    Object.assign(hardware.gpu as object, m.gpu);
    for (const key of ["cpu", "ram", "disk", "volume"]) if (m[key] !== undefined) hardware[key] = m[key];
  }

  const provisionRoute = endpoints.find((e) => e.method === "POST" && e.path === PROVISION_ROUTE);
  return {
    schema_version: CAPABILITIES_SCHEMA_VERSION,
    generated_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    image: fragments.image,
    credentials: {
      huggingface: settings.credentials.huggingface,
      civitai: settings.credentials.civitai,
      rclone_configured: settings.credentials.rcloneEnv || (await exists(paths.rcloneConfig)),
      note: "presence only; token values are not exposed",
    },
    instance: {
      container_id: settings.containerId ?? "",
      containerlabel: settings.containerLabel ?? "",
      workspace: settings.workspace,
      workspace_is_volume: await isSeparateVolume(instancePath(settings.workspace, settings.instanceRoot), settings.instanceRoot),
      scheme,
      public_ip: deps.direct.publicIp ?? "",
      open_ports: openPorts,
    },
    hardware,
    python_environments: pythonEnvironments,
    tools,
    services,
    endpoints_openai: endpointsOpenai,
    provisioning: {
      status: await provisioningStatus(paths),
      how_to:
        "Boot-time: set PROVISIONING_MANIFEST=<url> or the PROVISIONING_* env vars." +
        (provisionRoute === undefined ? "" : ` Runtime: POST ${PROVISION_ROUTE} (${provisionRoute.summary}).`),
      runtime_endpoint: provisionRoute === undefined ? null : `POST ${PROVISION_ROUTE}`,
      env_conventions: PROVISIONING_ENV,
      log_file: "/var/log/portal/provisioning.log",
    },
    auth: {
      edge: "caddy",
      enabled: settings.auth.enabled,
      token_env: TOKEN_ENV,
      methods: ["bearer", "cookie", "query"],
      bearer_header: "Authorization: Bearer <token>",
      cookie_name: settings.auth.cookieName,
      query_param: "token",
      excluded_ports: [...settings.auth.excludedPorts].map(String),
      note:
        "The portal's front (a Caddy-compatible edge) guards every external port; localhost requests to a service's " +
        "internal port bypass it and need no token.",
    },
    discovery: {
      capabilities_url: "/capabilities",
      well_known_url: "/.well-known/vast-capabilities",
      endpoints,
      fragments_dir: "/etc/vast_capabilities.d",
      ...(fragments.errors.length > 0 ? { fragment_errors: fragments.errors } : {}),
    },
  };
}

/** §1.5 markers: complete, then failed, then in progress; none otherwise. */
async function provisioningStatus(paths: CapabilityDeps["paths"]): Promise<string> {
  if (await exists(paths.provisioningComplete)) return "complete";
  if (await exists(paths.provisioningFailed)) return "failed";
  if (await exists(paths.provisioningMarker)) return "in_progress";
  return "none";
}

/**
 * The supervisor program of an app: names compared without case or separators,
 * equal or one inside the other (`instance_portal` ↔ `Instance Portal`), the
 * convention of the provisioner's `portal_search_term` and `exit_portal.sh`.
 */
function matchProcess(appName: string, processes: readonly ProcessInfo[]): ProcessInfo | undefined {
  const label = normalize(appName);
  if (label === "") return undefined;
  return processes.find((p) => {
    const name = normalize(p.name);
    return name !== "" && (name === label || label.includes(name) || name.includes(label));
  });
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function readText(file: string): Promise<string> {
  return fs.readFile(file, "utf8").catch(() => "");
}
