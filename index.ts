/**
 * The vast-kit program: builds and pushes the base image, sets up the Cloudflare tunnel when an
 * account is configured, publishes a Vast template and launches `instanceCount` instances from
 * it, then exports what a user needs next.
 */
import * as pulumi from "@pulumi/pulumi";
import { BaseImage, GpuFleet, PortalTunnel, defaultPortalApps } from "./components/index.ts";
import { readStackConfig } from "./config.ts";
import { checkVastAccess } from "./providers/vast/index.ts";

const config = readStackConfig();
// A wrong key or URL stops the run here, before the image build and push.
const settings = pulumi.runtime.allConfig();
await checkVastAccess({ apiUrl: settings["vast:apiUrl"], apiKey: settings["vast:apiKey"] }).catch((error: Error) => {
  throw new pulumi.RunError(error.message);
});

/**
 * Components the local build leaves out: they download from outside Debian's mirror, or (the
 * build, media and GPU tool groups, 1.2 GB together) only make the local image slow to build.
 */
const offlineBuildArgs = {
  JUPYTER_SOURCE: "apt",
  SYNCTHING_SOURCE: "apt",
  INSTALL_CLOUDFLARED: "false",
  INSTALL_VASTAI: "false",
  INSTALL_NVM: "false",
  INSTALL_BUILD_TOOLS: "false",
  INSTALL_MEDIA_TOOLS: "false",
  INSTALL_GPU_TOOLS: "false",
};

const baseImage = config.image
  ? undefined
  : new BaseImage("base", {
      repository: config.imageRepository,
      variants: config.imageVariants,
      baseImages: { cuda: config.imageBaseCuda, rocm: config.imageBaseRocm },
      buildArgs: config.imageOffline ? offlineBuildArgs : {},
      ...(config.imageRevision ? { labels: { "org.opencontainers.image.revision": config.imageRevision } } : {}),
    });
const image = config.image || baseImage!.refs[config.imageVariants[0]!]!;

const tunnel = config.tunnelDomain
  ? new PortalTunnel("portal", {
      accountId: config.cloudflareAccountId,
      zoneId: config.cloudflareZoneId,
      domain: config.tunnelDomain,
      apps: defaultPortalApps,
    })
  : undefined;

const fleet = new GpuFleet("fleet", {
  image,
  apps: defaultPortalApps,
  instanceCount: config.instanceCount,
  offer: {
    filter: { gpu_name: { eq: config.gpuName }, num_gpus: { eq: config.numGpus } },
    maxPricePerHour: config.maxPricePerHour,
    tries: config.offerTries,
  },
  diskGb: config.diskGb,
  ...(config.budgetPerHour !== undefined ? { budgetPerHour: config.budgetPerHour } : {}),
  ...(config.templateName ? { templateName: config.templateName } : {}),
  ...(config.instanceLabelPrefix ? { labelPrefix: config.instanceLabelPrefix } : {}),
  ...(tunnel ? { tunnelToken: tunnel.token } : {}),
  ...(config.autostopIdleMinutes !== undefined
    ? { autostop: { idleMinutes: config.autostopIdleMinutes, action: config.autostopAction } }
    : {}),
  whenStopped: config.whenStopped,
  whenDestroyed: config.whenDestroyed,
  waitForPortal: config.waitForPortal,
});

export const imageRefs = baseImage?.refs ?? { given: config.image };
export const templateHashId = fleet.templateHashId;
export const instanceIds = fleet.instances.map((i) => i.instanceId);
export const instanceStatuses = fleet.instances.map((i) => i.status);
export const sshCommands = fleet.instances.map((i) => i.sshCommand);
/** $/hour of each instance as rented, and of the whole fleet. */
export const instancePricesPerHour = fleet.instances.map((i) => i.pricePerHour);
export const pricePerHour = fleet.pricePerHour;
/** Per instance: a stop or destroy made outside Pulumi that the drift policy left in place, or null. */
export const instanceDrift = fleet.instances.map((i) => i.drift);
/** Secret: `pulumi stack output portalUrls --show-secrets` prints them. */
export const portalUrls = fleet.instances.map((i) => i.portalUrl);
export const tunnelUrls = tunnel
  ? tunnel.urls
  : "skipped: set cloudflareAccountId, cloudflareZoneId and tunnelDomain (and cloudflare:apiToken) to publish the portal apps through a Cloudflare tunnel";
