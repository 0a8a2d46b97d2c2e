/**
 * Step `jupyter-mode`: decide who runs Jupyter and adjust PORTAL_CONFIG to match
 * (instance-runtime.md §1.2 stage 10 rules 1–3, §8.7). Unlike the original, the result is always
 * exported, so it reaches /etc/environment and the portal even when PORTAL_CONFIG was unset.
 * @module
 */
import fs from 'node:fs/promises';
import { readBootSettings } from '../config.ts';
import { hostPath } from '../context.ts';
import type { BootStep } from '../step.ts';

/** Inputs of {@link adjustPortalConfig}. */
export interface JupyterModeInput {
  /** Value of VAST_TCP_PORT_8080; undefined when port 8080 is not mapped. */
  readonly vastTcpPort8080: string | undefined;
  /** Contents of /.launch (Vast's SSH/Jupyter launch modes), undefined when absent (entrypoint mode). */
  readonly launch: string | undefined;
  readonly jupyterOverride: boolean;
  readonly forceJupyter: boolean;
}

/** The entries added in entrypoint mode when 8080 is mapped and PORTAL_CONFIG has no Jupyter (commit 52bb0e8). */
export const FORCED_JUPYTER_ENTRIES = 'localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal';

/** PORTAL_CONFIG after the Jupyter rules; pure. */
export function adjustPortalConfig(portalConfig: string | undefined, input: JupyterModeInput): string | undefined {
  const launchManagesJupyter = input.launch !== undefined && /jupyter/i.test(input.launch);
  let config = portalConfig;
  const noPort = input.vastTcpPort8080 === undefined || input.vastTcpPort8080 === '';
  // Rule 1: nothing can reach Jupyter, or SSH mode without an override: drop every Jupyter entry.
  if (config !== undefined && (noPort || (input.launch !== undefined && !launchManagesJupyter && !input.jupyterOverride))) {
    config = config.split('|').filter((entry) => !/jupyter/i.test(entry)).join('|').replace(/\|+$/, '');
  }
  // Rule 2: entrypoint mode; the Vast controller strips Jupyter from PORTAL_CONFIG, so add it back.
  if (input.forceJupyter && input.launch === undefined && !noPort && !/jupyter/i.test(config ?? '')) {
    config = config === undefined || config === '' ? FORCED_JUPYTER_ENTRIES : `${config}|${FORCED_JUPYTER_ENTRIES}`;
  }
  // Rule 3: Vast's own Jupyter owns 8080 with its TLS; the portal only links to it.
  if (config !== undefined && launchManagesJupyter && !input.jupyterOverride) {
    config = config.replaceAll('localhost:8080:18080', 'localhost:8080:8080');
  }
  return config;
}

/** The `jupyter-mode` boot step; see the module comment. */
export const jupyterModeStep: BootStep = {
  name: 'jupyter-mode',
  async run(ctx) {
    const settings = readBootSettings(ctx.env);
    let launch: string | undefined;
    try {
      launch = await fs.readFile(hostPath(ctx, '/.launch'), 'utf8');
    } catch {
      launch = undefined;
    }
    const adjusted = adjustPortalConfig(settings.portalConfig, {
      vastTcpPort8080: settings.vastTcpPort8080,
      launch,
      jupyterOverride: settings.jupyterOverride || ctx.flags.jupyterOverride,
      forceJupyter: settings.forceJupyter && !ctx.flags.noForceJupyter,
    });
    const mode = launch === undefined ? 'entrypoint mode' : /jupyter/i.test(launch) ? 'Jupyter launch mode' : 'SSH launch mode';
    if (adjusted !== settings.portalConfig) ctx.log.info(`${mode}: PORTAL_CONFIG adjusted for Jupyter`);
    else ctx.log.info(`${mode}: PORTAL_CONFIG unchanged`);
    if (adjusted !== undefined) ctx.env.PORTAL_CONFIG = adjusted;
  },
};
