/**
 * Step `hydrate-workspace`: in the background, touch every file under $WORKSPACE (keeping its
 * times) so overlayfs copies it up to the container's own layer, making the workspace portable
 * between instances (seed README, "Applications & Startup"). The step itself returns at once.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { hostPath } from "../context.ts";
import type { BootStep } from "../step.ts";

/** Touch (lutimes to the current times) every entry under `dir`; returns how many were touched. */
export async function hydrateTree(dir: string): Promise<number> {
  let count = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      try {
        const st = await fs.lstat(full);
        // A metadata change is enough for overlayfs to copy the file up; the times stay as they were.
        await fs.lutimes(full, st.atime, st.mtime);
        count++;
      } catch {
        continue;
      }
      if (entry.isDirectory()) stack.push(full);
    }
  }
  return count;
}

/** The `hydrate-workspace` boot step; see the module comment. */
export const hydrateWorkspaceStep: BootStep = {
  name: "hydrate-workspace",
  async run(ctx) {
    const workspace = hostPath(ctx, ctx.settings.workspace);
    const started = performance.now();
    const job = hydrateTree(workspace).then(
      (n) =>
        ctx.log.info(`hydrate-workspace: ${n} entries under ${workspace} touched in ${((performance.now() - started) / 1000).toFixed(1)}s`),
      (err: unknown) => ctx.log.warn(`hydrate-workspace: stopped: ${(err as Error).message}`),
    );
    ctx.background.push(job);
    ctx.log.info(`hydrating ${workspace} in the background`);
  },
};
