/** The kit's Pulumi components, for a team's own IaC repository. */
export { BaseImage, ImageVariant, defaultBaseImages, type BaseImageArgs } from "./base-image.ts";
export { GpuFleet, type GpuFleetArgs, type FleetInstance } from "./gpu-fleet.ts";
export { PortalTunnel, type PortalTunnelArgs } from "./portal-tunnel.ts";
export { defaultPortalApps, portalEnv, portsToOpen, tunnelIngress, tunnelHostname, type PortalApp } from "./portal-apps.ts";
export { type ProvisioningManifestInput } from "../contracts/provisioning-manifest.ts";
export { autostopEnv, type AutostopOptions } from "./autostop.ts";
export { ServerlessEndpoint, serverlessEnv, type ServerlessEndpointArgs } from "./serverless-endpoint.ts";
