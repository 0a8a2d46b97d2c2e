/**
 * The hook through which other modules add capability routes (instance-runtime.md
 * §8.10, §4.1): each factory returns routes under `/capabilities/`; they are
 * served by the portal app and listed in the manifest's `discovery.endpoints`,
 * and a `POST /capabilities/provision` among them is what the manifest's
 * `provisioning.runtime_endpoint` and `how_to` point at. The listing is built
 * from this table, so a module plugs in by adding one line below.
 * @module
 */
import type { PortalSettings } from "../config.ts";
import type { InstancePathName } from "../paths.ts";
import type { CapabilityEndpointInfo } from "./capabilities.ts";
import type { Handler } from "./http.ts";
import { provisionCapability } from "./provision-route.ts";

/** What an extension is built from. */
export interface CapabilityExtensionContext {
  readonly settings: PortalSettings;
  readonly paths: Readonly<Record<InstancePathName, string>>;
  /** The portal's log. */
  readonly log: (line: string) => void;
}

/** One route an extension serves; `path` must start with `/capabilities/`. */
export interface CapabilityRoute extends CapabilityEndpointInfo {
  readonly handler: Handler;
}

/** Builds an extension's routes once, when the portal app starts. */
export type CapabilityExtension = (context: CapabilityExtensionContext) => readonly CapabilityRoute[];

/** The registered extensions: the provisioner's `POST /capabilities/provision` and its job status. */
export const capabilityExtensions: readonly CapabilityExtension[] = [provisionCapability];
