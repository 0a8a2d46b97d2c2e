/**
 * Step `environment`: store the launch environment in /etc/environment once per instance, so login
 * shells and every service wrapper see it, then read it (and $WORKSPACE/.env) back into the boot
 * environment (instance-runtime.md §1.2 stage 10, §8.3). On later boots the first boot's values
 * win: editing /etc/environment and restarting is the supported way to change a service's env.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../index.ts";
import { hostPath, updateEnv } from "../context.ts";
import { sourceFiles } from "../shell.ts";
import type { BootStep } from "../step.ts";

/** The PATH line written before the dumped environment (whose own PATH follows and wins). */
export const ENVIRONMENT_PATH_LINE =
  'PATH="/opt/instance-tools/bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"';

/** The first line of the file; its presence for this instance id means "already written". */
export function environmentHeader(instanceId: string | undefined): string {
  return `# Template controlled environment for C.${instanceId ?? ""}`;
}

/** Per-login and shell-internal variables that must not be frozen into the file. */
function excluded(key: string): boolean {
  return key === "HOME" || key === "SHLVL" || key === "_" || key === "PWD" || key === "OLDPWD" || key.includes("CONDA");
}

/**
 * The file's text: header, PATH line, then `NAME="value"` per variable. Values are escaped for a
 * double-quoted bash string (`\`, `"`, `$`, backtick), so sourcing gives back the exact value;
 * names that are not shell identifiers are skipped.
 */
export function renderEnvironmentFile(env: Readonly<Record<string, string>>, instanceId: string | undefined): string {
  const lines = [environmentHeader(instanceId), ENVIRONMENT_PATH_LINE];
  for (const [key, value] of Object.entries(env)) {
    if (excluded(key) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    lines.push(`${key}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`);
  }
  return `${lines.join("\n")}\n`;
}

/** The `environment` boot step; see the module comment. */
export const environmentStep: BootStep = {
  name: "environment",
  async run(ctx, signal) {
    const { settings } = ctx;
    const file = hostPath(ctx, "/etc/environment");
    let current = "";
    try {
      current = await fs.readFile(file, "utf8");
    } catch {
      // First boot, or a base without the file.
    }
    const header = environmentHeader(settings.instanceId);
    if (settings.instanceId !== undefined && current.split("\n").includes(header)) {
      ctx.log.info(`/etc/environment already written for C.${settings.instanceId}; keeping it`);
    } else {
      await writeFileAtomic(file, renderEnvironmentFile(ctx.env, settings.instanceId), 0o644);
      ctx.log.info(`/etc/environment written (${Object.keys(ctx.env).length} variables)`);
    }
    const workspace = hostPath(ctx, settings.workspace);
    await fs.mkdir(workspace, { recursive: true });
    if (!ctx.flags.exportEnv) return;
    const result = await sourceFiles([file, path.join(workspace, ".env")], { env: ctx.env, cwd: workspace, allExport: true, signal });
    if (result.env === undefined)
      throw new Error(`sourcing /etc/environment failed (status ${result.status}): ${result.output.trim().slice(0, 300)}`);
    updateEnv(ctx, result.env);
  },
};
