/**
 * The apps as the portal API reports them (instance-runtime.md §2.3, §4.1):
 * read from `/etc/portal.yaml` on each request (cheaply, by mtime), hydrated
 * with `target_url`, `mapped_port` and the launch token.
 * @module
 */
import fs from "node:fs/promises";
import type { PortalApp } from "../../contracts/portal-config.ts";
import { readPortalYaml } from "../portal-yaml.ts";

/** An app with the fields the UI needs. */
export interface HydratedApp extends PortalApp {
  readonly target_url: string;
  readonly mapped_port: string;
}

/** Reads `/etc/portal.yaml`, re-parsing only when its mtime or size changed. */
export class AppsFile {
  readonly #path: string;
  #key = "";
  #apps: PortalApp[] = [];

  constructor(yamlPath: string) {
    this.#path = yamlPath;
  }

  /** The current apps; an unusable or missing file gives none. */
  async read(): Promise<PortalApp[]> {
    const st = await fs.stat(this.#path).catch(() => undefined);
    if (st === undefined) return [];
    const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (key !== this.#key) {
      const verdict = readPortalYaml(await fs.readFile(this.#path, "utf8").catch(() => ""));
      this.#apps = "apps" in verdict ? verdict.apps : [];
      this.#key = key;
    }
    return this.#apps;
  }
}

/**
 * `target_url` of §2.3: `https` iff `ENABLE_HTTPS`, except a straight-through
 * `8080:8080` entry is `https` when no other entry proxies 8080 (launch-mode Jupyter has its own TLS).
 */
export function targetUrl(app: PortalApp, apps: readonly PortalApp[], https: boolean): string {
  const launchJupyter =
    app.external_port === 8080 && app.internal_port === 8080 && !apps.some((a) => a.external_port === 8080 && a.internal_port !== 8080);
  const secure = https || launchJupyter;
  return `${secure ? "https" : "http"}://${app.hostname}:${app.external_port}`;
}

/** Hydrate every app; `token` is the request's auth cookie value (literally `None` without one, as the original). */
export function hydrate(
  apps: readonly PortalApp[],
  https: boolean,
  mapped: ReadonlyMap<number, string>,
  token: string | undefined,
): HydratedApp[] {
  const suffix = `token=${encodeURIComponent(token ?? "None")}`;
  return apps.map((app) => ({
    ...app,
    open_path: `${app.open_path}${app.open_path.includes("?") ? "&" : "?"}${suffix}`,
    target_url: targetUrl(app, apps, https),
    mapped_port: mapped.get(app.external_port) ?? "",
  }));
}

/** External ports to open default tunnels for, one per port, preferring the proxied entry (§5.1). */
export function defaultTunnelTargets(apps: readonly PortalApp[], https: boolean): string[] {
  const byPort = new Map<number, PortalApp>();
  for (const app of apps) {
    const seen = byPort.get(app.external_port);
    if (seen === undefined || (seen.external_port === seen.internal_port && app.external_port !== app.internal_port))
      byPort.set(app.external_port, app);
  }
  return [...new Set([...byPort.values()].map((app) => targetUrl(app, apps, https).replace(app.hostname, "localhost")))];
}
