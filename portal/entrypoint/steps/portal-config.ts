/**
 * Step `portal-config`: publish /etc/portal.yaml before supervisord starts, with the portal's own
 * cache-preferred loader (instance-runtime.md §2.2), so service wrappers waiting for the file find
 * it at once. A malformed PORTAL_CONFIG fails this step and publishes nothing (§11 bug 4).
 * @module
 */
import { loadPortalApps } from "../../index.ts";
import { hostPath } from "../context.ts";
import type { BootStep } from "../step.ts";

/** The `portal-config` boot step; see the module comment. */
export const portalConfigStep: BootStep = {
  name: "portal-config",
  async run(ctx) {
    const loaded = await loadPortalApps({
      yamlPath: hostPath(ctx, "/etc/portal.yaml"),
      portalConfig: ctx.settings.portalConfig,
      log: (line) => ctx.log.info(line),
    });
    ctx.log.info(`/etc/portal.yaml from ${loaded.source}: ${loaded.apps.map((a) => a.name).join(", ") || "no applications"}`);
  },
};
