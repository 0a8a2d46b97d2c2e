/**
 * What every boot step receives: the working environment, the instance root, the log and the
 * record of failures. Steps are plain async functions over this (style.md rule 12).
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { instancePath } from "../index.ts";
import { settleBootSettings } from "./config.ts";
import type { BootFlags, BootSettings } from "./config.ts";
import type { BootLog } from "./log.ts";

/** One failed step, as recorded in /var/log/vast_boot_failures. */
export interface BootFailure {
  readonly step: string;
  readonly code: string;
  readonly message: string;
}

/** The mutable state the boot steps share. */
export interface BootContext {
  /** Absolute host path of the instance root (`/` in a container, a temp folder in tests). */
  readonly root: string;
  /**
   * Working environment: hooks and /etc/environment update it; supervisord and the provisioning
   * script get it. Replace it with {@link updateEnv}, which keeps {@link settings} in step.
   */
  env: Record<string, string>;
  /** The entrypoint's settings, parsed from {@link env}. */
  settings: BootSettings;
  readonly flags: BootFlags;
  readonly log: BootLog;
  readonly failures: BootFailure[];
  /** Work left running in the background (workspace hydration); tests await it. */
  readonly background: Promise<unknown>[];
  /** The supervisord child once started. */
  supervisord?: ChildProcess;
}

/** Resolve a container path (e.g. `/etc/environment`) under the context's instance root. */
export function hostPath(ctx: Pick<BootContext, "root">, containerPath: string): string {
  return instancePath(containerPath, ctx.root);
}

/** Replace the working environment and parse the settings from it again (bad keys reported and defaulted). */
export function updateEnv(ctx: BootContext, env: Record<string, string>): void {
  ctx.env = env;
  ctx.settings = settleBootSettings(env, (message) => ctx.log.error(message));
}
