/**
 * The handler of every endpoint key in table.ts. Typed as a full record, so a route without a
 * handler (or a handler without a route) does not compile.
 */
import type { Handler } from "../context.ts";
import { currentUser, gpuNames } from "./account.ts";
import { createInstance } from "./asks.ts";
import { listCharges } from "./charges.ts";
import { changeBid, rebootInstance, recycleInstance, requestLogs, serveLogUpload } from "./instance-actions.ts";
import { listInstancesV1 } from "./instance-list.ts";
import {
  bulkChangeState,
  bulkDestroy,
  destroyInstance,
  instanceFilters,
  listInstancesV0,
  manageInstance,
  showInstance,
} from "./instances.ts";
import { searchAsks, searchBundles, searchVolumeOffers } from "./offers.ts";
import { createSecret, deleteSecret, listSecrets, updateSecret } from "./secrets.ts";
import { attachSshKey, createSshKey, deleteSshKey, detachSshKey, listInstanceSshKeys, listSshKeys, updateSshKey } from "./ssh-keys.ts";
import type { EndpointKey } from "./table.ts";
import { createTemplate, deleteTemplate, editTemplate, editTemplateV1, searchTemplates } from "./templates.ts";
import { createVolume, deleteVolume, listVolumes } from "./volumes.ts";
import { createEndpoint, deleteEndpoint, listEndpoints, showEndpoint, updateEndpoint } from "./endpoints.ts";
import { createWorkergroup, deleteWorkergroup, listWorkergroups, updateWorkergroup } from "./workergroups.ts";
import { endpointLogs, endpointWorkers, updateWorkers, workergroupLogs, workergroupWorkers } from "./autoscaler-host.ts";
import { createNetworkVolume, searchNetworkVolumeOffers } from "./network-volumes.ts";
import { createApiKey, deleteApiKey, listApiKeys, showApiKey } from "./api-keys.ts";
import {
  createCluster,
  createOverlay,
  deleteCluster,
  deleteOverlay,
  joinCluster,
  joinOverlay,
  listClusters,
  listOverlays,
  removeClusterMachine,
} from "./clusters.ts";
import { createSubaccount, listSubaccounts } from "./subaccounts.ts";
import {
  createRole,
  createTeam,
  destroyTeam,
  inviteMember,
  listMembers,
  listRolesFull,
  removeMember,
  removeRole,
  showRole,
  updateRole,
} from "./teams.ts";

export const HANDLERS: Record<EndpointKey, Handler> = {
  "GET /api/v0/gpu_names/unique": gpuNames,
  "GET /api/v0/users/current": currentUser,
  "POST /api/v0/bundles": searchBundles,
  "PUT /api/v0/search/asks": searchAsks,
  "PUT /api/v0/asks/:id": createInstance,
  "GET /api/v1/instances": listInstancesV1,
  "GET /api/v0/instances": listInstancesV0,
  "PUT /api/v0/instances": bulkChangeState,
  "DELETE /api/v0/instances": bulkDestroy,
  "GET /api/v0/instances/filters": instanceFilters,
  "PUT /api/v0/instances/reboot/:id": rebootInstance,
  "PUT /api/v0/instances/recycle/:id": recycleInstance,
  "PUT /api/v0/instances/bid_price/:id": changeBid,
  "PUT /api/v0/instances/request_logs/:id": requestLogs,
  "GET /api/v0/instances/:id": showInstance,
  "PUT /api/v0/instances/:id": manageInstance,
  "DELETE /api/v0/instances/:id": destroyInstance,
  "GET /api/v0/instances/:id/ssh": listInstanceSshKeys,
  "POST /api/v0/instances/:id/ssh": attachSshKey,
  "DELETE /api/v0/instances/:id/ssh/:keyId": detachSshKey,
  "GET /api/v0/template": searchTemplates,
  "POST /api/v0/template": createTemplate,
  "PUT /api/v0/template": editTemplate,
  "PUT /api/v1/template": editTemplateV1,
  "DELETE /api/v0/template": deleteTemplate,
  "GET /api/v0/ssh": listSshKeys,
  "POST /api/v0/ssh": createSshKey,
  "PUT /api/v0/ssh/:id": updateSshKey,
  "DELETE /api/v0/ssh/:id": deleteSshKey,
  "GET /api/v0/secrets": listSecrets,
  "POST /api/v0/secrets": createSecret,
  "PUT /api/v0/secrets": updateSecret,
  "DELETE /api/v0/secrets": deleteSecret,
  "POST /api/v0/volumes/search": searchVolumeOffers,
  "GET /api/v0/volumes": listVolumes,
  "PUT /api/v0/volumes": createVolume,
  "DELETE /api/v0/volumes": deleteVolume,
  "POST /api/v0/network_volumes/search": searchNetworkVolumeOffers,
  "PUT /api/v0/network_volumes": createNetworkVolume,
  "GET /instance_logs/:file": serveLogUpload,
  "GET /api/v0/charges": listCharges,
  "GET /api/v0/endptjobs": listEndpoints,
  "POST /api/v0/endptjobs": createEndpoint,
  "GET /api/v0/endptjobs/:id": showEndpoint,
  "PUT /api/v0/endptjobs/:id": updateEndpoint,
  "DELETE /api/v0/endptjobs/:id": deleteEndpoint,
  "GET /api/v0/autojobs": listWorkergroups,
  "POST /api/v0/autojobs": createWorkergroup,
  "PUT /api/v0/autojobs/:id": updateWorkergroup,
  "DELETE /api/v0/autojobs/:id": deleteWorkergroup,
  "GET /api/v0/workergroups": listWorkergroups,
  "POST /api/v0/workergroups": createWorkergroup,
  "PUT /api/v0/workergroups/:id": updateWorkergroup,
  "DELETE /api/v0/workergroups/:id": deleteWorkergroup,
  "POST /get_endpoint_workers": endpointWorkers,
  "POST /get_workergroup_workers": workergroupWorkers,
  "POST /get_endpoint_logs": endpointLogs,
  "POST /get_autogroup_logs": workergroupLogs,
  "POST /update_workers": updateWorkers,
  "POST /api/v0/team": createTeam,
  "DELETE /api/v0/team": destroyTeam,
  "POST /api/v0/team/roles": createRole,
  "GET /api/v0/team/roles-full": listRolesFull,
  "GET /api/v0/team/roles/:name": showRole,
  "PUT /api/v0/team/roles/:id": updateRole,
  "DELETE /api/v0/team/roles/:name": removeRole,
  "POST /api/v0/team/invite": inviteMember,
  "GET /api/v0/team/members": listMembers,
  "DELETE /api/v0/team/members/:id": removeMember,
  "POST /api/v0/auth/apikeys": createApiKey,
  "GET /api/v0/auth/apikeys": listApiKeys,
  "GET /api/v0/auth/apikeys/:id": showApiKey,
  "DELETE /api/v0/auth/apikeys/:id": deleteApiKey,
  "POST /api/v0/users": createSubaccount,
  "GET /api/v0/subaccounts": listSubaccounts,
  "POST /api/v0/cluster": createCluster,
  "PUT /api/v0/cluster": joinCluster,
  "DELETE /api/v0/cluster/remove_machine": removeClusterMachine,
  "DELETE /api/v0/cluster": deleteCluster,
  "GET /api/v0/clusters": listClusters,
  "POST /api/v0/overlay": createOverlay,
  "GET /api/v0/overlay": listOverlays,
  "PUT /api/v0/overlay": joinOverlay,
  "DELETE /api/v0/overlay": deleteOverlay,
};
