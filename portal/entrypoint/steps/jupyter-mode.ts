/**
 * Step `jupyter-mode`: decide who runs Jupyter and adjust PORTAL_CONFIG to match
 * (instance-runtime.md §1.2 stage 10 rules 1–3, §8.7). Unlike the original, the result is always
 * exported, so it reaches /etc/environment and the portal even when PORTAL_CONFIG was unset.
 * The rules edit parsed apps (contracts/portal-config.ts), so the grammar has one implementation.
 * @module
 */
import fs from "node:fs/promises";
import { formatPortalConfig, parsePortalConfig } from "../../../contracts/portal-config.ts";
import type { PortalApp } from "../../../contracts/portal-config.ts";
import { hostPath, updateEnv } from "../context.ts";
import type { BootStep } from "../step.ts";

/** Inputs of {@link adjustPortalConfig}. */
export interface JupyterModeInput {
  /** Value of VAST_TCP_PORT_8080; undefined when port 8080 is not mapped. */
  readonly vastTcpPort8080: string | undefined;
  /** Contents of /.launch (Vast's SSH/Jupyter launch modes), undefined when absent (entrypoint mode). */
  readonly launch: string | undefined;
  readonly jupyterOverride: boolean;
  readonly forceJupyter: boolean;
}

/** The apps added in entrypoint mode when 8080 is mapped and PORTAL_CONFIG has no Jupyter (commit 52bb0e8). */
export const FORCED_JUPYTER_APPS: readonly PortalApp[] = [
  { hostname: "localhost", external_port: 8080, internal_port: 18080, open_path: "/", name: "Jupyter" },
  { hostname: "localhost", external_port: 8080, internal_port: 8080, open_path: "/terminals/1", name: "Jupyter Terminal" },
];

/** The original matched "jupyter" anywhere in an entry's text. */
const isJupyter = (app: PortalApp) => [app.hostname, app.open_path, app.name].some((field) => /jupyter/i.test(field));

/** Parse as the original's rules read it: trailing separators (which its rule 1 dropped) and an empty list are no entries. */
function parseTolerant(portalConfig: string): PortalApp[] {
  const entries = portalConfig.replace(/\|+$/, "");
  return entries === "" ? [] : parsePortalConfig(entries);
}

/**
 * PORTAL_CONFIG after the Jupyter rules; pure. An unchanged list is returned as it was given.
 * @throws {PortalConfigError} when a rule applies to a PORTAL_CONFIG that does not parse
 */
export function adjustPortalConfig(portalConfig: string | undefined, input: JupyterModeInput): string | undefined {
  const launchManagesJupyter = input.launch !== undefined && /jupyter/i.test(input.launch);
  const noPort = input.vastTcpPort8080 === undefined || input.vastTcpPort8080 === "";
  let apps = portalConfig === undefined ? undefined : parseTolerant(portalConfig);
  let changed = false;
  // Rule 1: nothing can reach Jupyter, or SSH mode without an override: drop every Jupyter entry.
  if (apps !== undefined && (noPort || (input.launch !== undefined && !launchManagesJupyter && !input.jupyterOverride))) {
    apps = apps.filter((app) => !isJupyter(app));
    changed = true;
  }
  // Rule 2: entrypoint mode; the Vast controller strips Jupyter from PORTAL_CONFIG, so add it back.
  if (input.forceJupyter && input.launch === undefined && !noPort && !(apps ?? []).some(isJupyter)) {
    apps = [...(apps ?? []), ...FORCED_JUPYTER_APPS];
    changed = true;
  }
  // Rule 3: Vast's own Jupyter owns 8080 with its TLS; the portal only links to it.
  if (apps !== undefined && launchManagesJupyter && !input.jupyterOverride) {
    apps = apps.map((app) =>
      app.hostname === "localhost" && app.external_port === 8080 && app.internal_port === 18080 ? { ...app, internal_port: 8080 } : app,
    );
    changed = true;
  }
  return changed && apps !== undefined ? formatPortalConfig(apps) : portalConfig;
}

/** The `jupyter-mode` boot step; see the module comment. */
export const jupyterModeStep: BootStep = {
  name: "jupyter-mode",
  async run(ctx) {
    const { settings } = ctx;
    let launch: string | undefined;
    try {
      launch = await fs.readFile(hostPath(ctx, "/.launch"), "utf8");
    } catch {
      launch = undefined;
    }
    const mode = launch === undefined ? "entrypoint mode" : /jupyter/i.test(launch) ? "Jupyter launch mode" : "SSH launch mode";
    let adjusted: string | undefined;
    try {
      adjusted = adjustPortalConfig(settings.portalConfig, {
        vastTcpPort8080: settings.vastTcpPort8080,
        launch,
        jupyterOverride: settings.jupyterOverride || ctx.flags.jupyterOverride,
        forceJupyter: settings.forceJupyter && !ctx.flags.noForceJupyter,
      });
    } catch (err) {
      // The portal-config step reports the bad entry and publishes nothing (§11 bug 4).
      ctx.log.warn(`${mode}: PORTAL_CONFIG left unchanged: ${(err as Error).message}`);
      return;
    }
    if (adjusted !== settings.portalConfig) ctx.log.info(`${mode}: PORTAL_CONFIG adjusted for Jupyter`);
    else ctx.log.info(`${mode}: PORTAL_CONFIG unchanged`);
    if (adjusted !== undefined) updateEnv(ctx, { ...ctx.env, PORTAL_CONFIG: adjusted });
  },
};
