/**
 * The list of portal apps is the one source of truth for what an instance serves: it produces the
 * template's `PORTAL_CONFIG` and `-p` ports and the Cloudflare tunnel's ingress rules. Pure.
 */
import { checkPortalApps, formatPortalConfig, type PortalApp } from "../contracts/portal-config.ts";

export type { PortalApp };

/** The apps of the base image (instance-runtime.md §2.1 default, without Tensorboard). */
export const defaultPortalApps: readonly PortalApp[] = [
  { hostname: "localhost", external_port: 1111, internal_port: 11111, open_path: "/", name: "Instance Portal" },
  { hostname: "localhost", external_port: 8080, internal_port: 18080, open_path: "/", name: "Jupyter" },
  { hostname: "localhost", external_port: 8384, internal_port: 18384, open_path: "/", name: "Syncthing" },
];

/** The external port of the portal itself, which Vast's Open button targets. */
export const portalPort = 1111;

/** Env the template carries for the portal: `PORTAL_CONFIG` and `OPEN_BUTTON_PORT`. */
export function portalEnv(apps: readonly PortalApp[]): Record<string, string> {
  return { PORTAL_CONFIG: formatPortalConfig(apps), OPEN_BUTTON_PORT: String(portalPort) };
}

/** Every external port that must be opened with `-p` (vast-api.md §6.5), in order, once each. */
export function portsToOpen(apps: readonly PortalApp[]): string[] {
  return [...new Set(apps.map((app) => String(app.external_port)))];
}

/** A DNS label for an app name: "Instance Portal" → "instance-portal". */
export function appSlug(app: PortalApp): string {
  return (
    app.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || `port-${app.external_port}`
  );
}

/** One public hostname per proxied app, e.g. `jupyter-prod.example.com`. */
export function tunnelHostname(app: PortalApp, stack: string, domain: string): string {
  return `${appSlug(app)}-${stack}.${domain}`;
}

/** Remotely managed ingress rules: each app's hostname to the portal's front port, then the required catch-all. */
export function tunnelIngress(apps: readonly PortalApp[], stack: string, domain: string): Array<{ hostname?: string; service: string }> {
  // The tunnel enters through the app's external port, so the portal's auth applies as it does
  // for direct access; apps whose ports are equal inside and out have no proxy and are skipped.
  const proxied = apps.filter((app) => app.external_port !== app.internal_port);
  return [
    ...proxied.map((app) => ({ hostname: tunnelHostname(app, stack, domain), service: `http://localhost:${app.external_port}` })),
    { service: "http_status:404" },
  ];
}

/** Throws before any resource exists when `apps` cannot be published, naming each app and rule. */
export function assertPortalApps(component: string, apps: readonly PortalApp[]): void {
  const problems = checkPortalApps(apps);
  if (problems.length > 0) throw new Error(`${component}: the portal apps cannot be published:\n  ${problems.join("\n  ")}`);
}
