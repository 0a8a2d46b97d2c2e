/**
 * Step `log-dirs`: /var/log/portal (1777, so services that drop privileges can write their log,
 * instance-runtime.md §1.2 stage 11 and §11 bug 3) and /var/log/supervisor.
 * @module
 */
import fs from "node:fs/promises";
import { hostPath } from "../context.ts";
import type { BootStep } from "../step.ts";

/** The `log-dirs` boot step; see the module comment. */
export const logDirsStep: BootStep = {
  name: "log-dirs",
  async run(ctx) {
    const portalLogs = hostPath(ctx, "/var/log/portal");
    await fs.mkdir(portalLogs, { recursive: true });
    // mkdir's mode is filtered by the umask; chmod sets the sticky bit for sure.
    await fs.chmod(portalLogs, 0o1777);
    await fs.mkdir(hostPath(ctx, "/var/log/supervisor"), { recursive: true });
  },
};
