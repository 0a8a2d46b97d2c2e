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
export { getCharges, type ChargeLookup } from "./lookups.ts";
export { spentPerInstance } from "./charges.ts";
export type { Charge } from "./schemas.ts";
export { WhenDestroyed, WhenStopped, type InstanceDrift } from "./drift-policy.ts";
export { VastEndpoint, type VastEndpointArgs } from "./vast-endpoint.ts";
export { VastWorkerGroup, type VastWorkerGroupArgs } from "./vast-worker-group.ts";
export { getEndpoints, type EndpointLookupArgs } from "./lookups.ts";
export type { Endpoint, EndpointState, Workergroup } from "./serverless-schemas.ts";
export { VastNetworkVolume, type VastNetworkVolumeArgs } from "./vast-network-volume.ts";
export { getNetworkVolumeOffers } from "./lookups.ts";
export type { OutbidPolicy } from "./outbid.ts";
export { VastTeam, type VastTeamArgs } from "./vast-team.ts";
export { VastTeamRole, type VastTeamRoleArgs } from "./vast-team-role.ts";
export { VastTeamMember, type VastTeamMemberArgs } from "./vast-team-member.ts";
export { VastApiKey, type VastApiKeyArgs } from "./vast-api-key.ts";
export { VastPermissions, PermissionCategory, type EndpointPermission, type PermissionConstraint } from "./permissions.ts";
export { VastSubaccount, type VastSubaccountArgs } from "./vast-subaccount.ts";
export { VastCluster, VastClusterMember, type VastClusterArgs, type VastClusterMemberArgs } from "./vast-cluster.ts";
export { VastOverlay, VastOverlayMember, type VastOverlayArgs, type VastOverlayMemberArgs } from "./vast-overlay.ts";
