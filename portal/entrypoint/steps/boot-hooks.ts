/**
 * Steps `hook:<file>`: every readable /etc/vast_boot.d/*.sh, in name order, sourced by bash before
 * the built-in steps. What a hook exports reaches /etc/environment, supervisord and the
 * provisioning script, as with the original sourced stages (instance-runtime.md §1.1, §9.5:
 * derived images set their default PORTAL_CONFIG this way). A hook must `return`, not `exit`.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { hostPath, updateEnv } from "../context.ts";
import type { BootContext } from "../context.ts";
import { PortalError } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";
import { sourceFiles } from "../shell.ts";
import type { BootStep } from "../step.ts";

/** Container path of the hook folder. */
export const BOOT_HOOK_DIR = "/etc/vast_boot.d";

/** The hook files present now, sorted like a bash glob (byte order). */
export async function listBootHooks(ctx: Pick<BootContext, "root">): Promise<string[]> {
  const dir = hostPath(ctx, BOOT_HOOK_DIR);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.name.endsWith(".sh") && (e.isFile() || e.isSymbolicLink()))
    .map((e) => path.join(dir, e.name))
    .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
}

/** A step sourcing one hook file (a host path) and adopting the environment it leaves. */
export function bootHookStep(file: string): BootStep {
  return {
    name: `hook:${path.basename(file)}`,
    async run(ctx, signal) {
      const cwd = hostPath(ctx, ctx.settings.workspace);
      await fs.mkdir(cwd, { recursive: true });
      const result = await sourceFiles([file], { env: ctx.env, cwd, signal });
      for (const line of result.output.split("\n")) if (line.trim() !== "") ctx.log.info(`  ${path.basename(file)}: ${line}`);
      if (result.env === undefined) {
        throw new PortalError(
          EntrypointErrorCode.hookFailed,
          `${file} exited the shell (status ${result.status}); its environment changes are lost (use return, not exit)`,
          {
            details: { file, status: result.status },
          },
        );
      }
      updateEnv(ctx, result.env);
      if (result.status !== 0) {
        throw new PortalError(EntrypointErrorCode.hookFailed, `${file} returned status ${result.status}`, {
          details: { file, status: result.status },
        });
      }
    },
  };
}
