/**
 * `/etc/portal.yaml` (instance-runtime.md §2.2): the document the portal renders from
 * `PORTAL_CONFIG` (the grammar is contracts/portal-config.ts), its validation, and the
 * cache-preferred load with atomic publication.
 * @module
 */
import fs from "node:fs/promises";
import YAML from "yaml";
import { PortalApp, parsePortalConfig } from "../contracts/portal-config.ts";
import { writeFileAtomic } from "./atomic-write.ts";

/** Render apps as the `/etc/portal.yaml` document of §2.2 (block style, insertion order). */
export function renderPortalYaml(apps: readonly PortalApp[]): string {
  const applications: Record<string, PortalApp> = {};
  for (const app of apps) applications[app.name] = app;
  if (apps.length === 0) return "applications: {}\n";
  return YAML.stringify({ applications }, { indent: 2 });
}

/** The apps of a usable `/etc/portal.yaml`, or the reason it is unusable. */
export type CacheVerdict = { readonly apps: PortalApp[] } | { readonly reason: string };

/** Read and validate a `/etc/portal.yaml` document; `reason` says why it is unusable (§2.2, §11 bug 1). */
export function readPortalYaml(text: string): CacheVerdict {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    return { reason: `YAML error: ${(err as Error).message.split("\n")[0]}` };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { reason: "not a mapping" };
  const applications = (doc as Record<string, unknown>).applications;
  if (applications === null || typeof applications !== "object" || Array.isArray(applications)) {
    return { reason: "no applications mapping" };
  }
  const entries = Object.entries(applications);
  if (entries.length === 0) return { reason: "applications is empty" };
  const apps: PortalApp[] = [];
  for (const [key, value] of entries) {
    const parsed = PortalApp.safeParse(value);
    if (!parsed.success) return { reason: `application ${JSON.stringify(key)} is invalid` };
    apps.push(parsed.data);
  }
  return { apps };
}

/** Options of {@link loadPortalApps}. */
export interface LoadPortalAppsOptions {
  /** Absolute path of the cache file, already under the instance root. */
  readonly yamlPath: string;
  /** The `PORTAL_CONFIG` value, if any. */
  readonly portalConfig?: string | undefined;
  /** Receives one line per decision (why the cache was ignored, write failures). Defaults to nothing. */
  readonly log?: (line: string) => void;
}

/** Result of {@link loadPortalApps}. */
export interface LoadedPortalApps {
  readonly apps: PortalApp[];
  /** `cache`: the existing file; `env`: generated from `PORTAL_CONFIG`; `empty`: nothing configured. */
  readonly source: "cache" | "env" | "empty";
}

/**
 * The cache-preferred load of §2.2: use `/etc/portal.yaml` when it holds a
 * non-empty `applications` mapping, else regenerate it from `PORTAL_CONFIG`
 * and publish atomically. With neither, publish `applications: {}`.
 * A malformed `PORTAL_CONFIG` throws and publishes nothing (§11 bug 4).
 * A failed write is logged and the in-memory apps are still returned.
 */
export async function loadPortalApps(options: LoadPortalAppsOptions): Promise<LoadedPortalApps> {
  const log = options.log ?? (() => {});
  let text: string | undefined;
  try {
    text = await fs.readFile(options.yamlPath, "utf8");
  } catch (err) {
    log(`portal.yaml: ${options.yamlPath} unreadable (${(err as NodeJS.ErrnoException).code ?? "error"}), regenerating`);
  }
  if (text !== undefined) {
    const verdict = readPortalYaml(text);
    if ("apps" in verdict) return { apps: verdict.apps, source: "cache" };
    log(`portal.yaml: ignoring ${options.yamlPath}: ${verdict.reason}`);
  }
  const configured = options.portalConfig !== undefined && options.portalConfig.trim() !== "";
  const apps = configured ? parsePortalConfig(options.portalConfig as string) : [];
  try {
    await writeFileAtomic(options.yamlPath, renderPortalYaml(apps), 0o644);
  } catch (err) {
    log(`portal.yaml: could not write ${options.yamlPath}: ${(err as Error).message}`);
  }
  return { apps, source: configured ? "env" : "empty" };
}
