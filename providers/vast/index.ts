/** The Vast dynamic resources and the client they are built on. */
export { VastInstance, type VastInstanceArgs } from "./vast-instance.ts";
export { VastTemplate, type VastTemplateArgs } from "./vast-template.ts";
export { VastSshKey, type VastSshKeyArgs } from "./vast-ssh-key.ts";
export { VastEnvVar, type VastEnvVarArgs } from "./vast-env-var.ts";
export { VastVolume, type VastVolumeArgs } from "./vast-volume.ts";
export { VastClient, type VastClientOptions } from "./client.ts";
export { checkVastAccess } from "./access-check.ts";
export { findUntrackedInstances, type UntrackedInstance } from "./sweep.ts";
export {
  getCurrentUser,
  getGpuOffers,
  getInstances,
  getSshKeys,
  getTemplates,
  getVolumeOffers,
  type GpuOfferLookup,
  type InstanceLookupArgs,
  type LookupSettings,
  type TemplateLookupArgs,
  type VastAccount,
  type VolumeOfferLookup,
} from "./lookups.ts";
export type { CurrentUser, Instance, Offer, SshKey, Template, VolumeOffer } from "./schemas.ts";
export { InstanceNotReadyError, VastError, VastErrorCode } from "./errors.ts";
export type { OfferCriteria, OfferFilter, VolumeOfferCriteria } from "./offer-query.ts";
export { VastNetworkVolume, type VastNetworkVolumeArgs } from "./vast-network-volume.ts";
export { getNetworkVolumeOffers } from "./lookups.ts";
export type { OutbidPolicy } from "./outbid.ts";
