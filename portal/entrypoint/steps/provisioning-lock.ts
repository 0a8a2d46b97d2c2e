/**
 * Steps `provisioning-lock` and `provisioning-unlock`: /.provisioning exists from before
 * supervisord starts until provisioning has finished, successfully or not, so service wrappers can
 * wait on it (utils/wait_provisioning.sh) and login shells show a banner (instance-runtime.md §1.5).
 * @module
 */
import fs from "node:fs/promises";
import { hostPath } from "../context.ts";
import type { BootStep } from "../step.ts";

/** Container path of the lock. */
export const PROVISIONING_LOCK = "/.provisioning";

/** The `provisioning-lock` boot step; see the module comment. */
export const provisioningLockStep: BootStep = {
  name: "provisioning-lock",
  async run(ctx) {
    await fs.writeFile(hostPath(ctx, PROVISIONING_LOCK), `${new Date().toISOString()}\n`);
  },
};

/** The `provisioning-unlock` boot step; see the module comment. */
export const provisioningUnlockStep: BootStep = {
  name: "provisioning-unlock",
  async run(ctx) {
    await fs.rm(hostPath(ctx, PROVISIONING_LOCK), { force: true });
  },
};
