/**
 * The code behind every dynamic resource of the kit, keyed by resource kind. The serialized providers
 * (providers/dynamic/delegating-provider.ts) import this module by package name
 * (`vast-kit/providers/runtime`) when a method runs, so nothing in it is ever captured into Pulumi
 * state, and a fix here reaches existing resources at once — including their delete and refresh,
 * which run the provider code stored in old state. That stored code reads `kinds[kind]` and calls
 * the methods of providers/dynamic/kind.ts: this path, the names and the method shape stay.
 */
import { imageKind } from "./docker/image-provider.ts";
import { secretKind } from "./random/secret-provider.ts";
import { envVarKind } from "./vast/env-var-provider.ts";
import { instanceKind } from "./vast/instance-provider.ts";
import { sshKeyKind } from "./vast/ssh-key-provider.ts";
import { templateKind } from "./vast/template-provider.ts";
import { volumeKind } from "./vast/volume-provider.ts";
import { endpointKind } from "./vast/endpoint-provider.ts";
import { workerGroupKind } from "./vast/worker-group-provider.ts";
import { networkVolumeKind } from "./vast/network-volume-provider.ts";
import { apiKeyKind } from "./vast/api-key-provider.ts";
import { clusterKind, clusterMemberKind } from "./vast/cluster-provider.ts";
import { overlayKind, overlayMemberKind } from "./vast/overlay-provider.ts";
import { subaccountKind } from "./vast/subaccount-provider.ts";
import { teamKind } from "./vast/team-provider.ts";
import { teamMemberKind } from "./vast/team-member-provider.ts";
import { teamRoleKind } from "./vast/team-role-provider.ts";

export const kinds = {
  template: templateKind,
  instance: instanceKind,
  sshKey: sshKeyKind,
  envVar: envVarKind,
  volume: volumeKind,
  dockerImage: imageKind,
  randomSecret: secretKind,
  endpoint: endpointKind,
  workerGroup: workerGroupKind,
  networkVolume: networkVolumeKind,
  team: teamKind,
  teamRole: teamRoleKind,
  teamMember: teamMemberKind,
  apiKey: apiKeyKind,
  subaccount: subaccountKind,
  cluster: clusterKind,
  clusterMember: clusterMemberKind,
  overlay: overlayKind,
  overlayMember: overlayMemberKind,
};
export type Kind = keyof typeof kinds;
