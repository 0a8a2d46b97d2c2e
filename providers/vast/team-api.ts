/**
 * The team, role, member, API-key, subaccount, cluster and overlay endpoints (vast-api-more.md
 * §4–§5), one function per endpoint over a {@link VastClient}, every answer parsed with zod. Every
 * call acts on the account of the client's key (§4.1): a team key acts on its team. Creates are
 * retried only after a 429 (Vast refused before doing anything); reads and deletes also after 5xx
 * and network failures.
 */
import type { VastClient } from "./client.ts";
import { VastError } from "./errors.ts";
import type { VastPermissions } from "./permissions.ts";
import {
  AnyAnswer,
  ApiKeyCreated,
  ApiKeyInfo,
  ApiKeyList,
  ClusterMap,
  MessageAnswer,
  OverlayList,
  SubaccountCreated,
  SubaccountList,
  TeamMemberList,
  TeamRoleList,
  type Cluster,
  type Overlay,
  type Subaccount,
  type TeamMember,
  type TeamRole,
} from "./team-schemas.ts";

// ---- teams (§4.2) ----

/** Creates a team; the key used becomes the team's key. Vast answers with no id: the team is known by name. */
export async function createTeam(client: VastClient, teamName: string, transferCredit: number): Promise<void> {
  await client.request({
    operation: `create team "${teamName}"`,
    method: "POST",
    path: "api/v0/team/",
    body: { team_name: teamName, transfer_credit: transferCredit },
    schema: MessageAnswer,
    retry: "refusedOnly",
    pace: "team",
  });
}

/** Destroys the key's team; `false` when the key acts on no team (404 "User is not a team account"), which is done. */
export async function destroyTeam(client: VastClient): Promise<boolean> {
  const res = await client.request({
    operation: "destroy team",
    method: "DELETE",
    path: "api/v0/team/",
    body: {},
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
  return res !== undefined;
}

// ---- roles (§4.3) ----

/** Every role of the key's team but `owner`; `undefined` when the key acts on no team. */
export async function listTeamRoles(client: VastClient): Promise<TeamRole[] | undefined> {
  return client.request({
    operation: "list team roles",
    method: "GET",
    path: "api/v0/team/roles-full/",
    schema: TeamRoleList,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

/** Creates a role; Vast answers `{"msg": "success"}` with no id. */
export async function createTeamRole(client: VastClient, name: string, permissions: VastPermissions): Promise<void> {
  await client.request({
    operation: `create team role "${name}"`,
    method: "POST",
    path: "api/v0/team/roles/",
    body: { name, permissions },
    schema: MessageAnswer,
    retry: "refusedOnly",
    pace: "team",
  });
}

/** Renames a role and/or replaces its permissions; by numeric id, unlike read and delete. */
export async function updateTeamRole(
  client: VastClient,
  id: number,
  change: { name?: string; permissions?: VastPermissions },
): Promise<void> {
  await client.request({
    operation: `update team role ${id}`,
    method: "PUT",
    path: `api/v0/team/roles/${id}/`,
    body: change,
    schema: AnyAnswer,
    retry: "idempotent",
    pace: "team",
  });
}

/** Deletes a role by name; 404 "Specified role not found" means done. */
export async function deleteTeamRole(client: VastClient, name: string): Promise<void> {
  await client.request({
    operation: `delete team role "${name}"`,
    method: "DELETE",
    path: `api/v0/team/roles/${encodeURIComponent(name)}/`,
    body: {},
    schema: AnyAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

// ---- members (§4.4) ----

/** Invites `email` with `role` (query parameters, as the CLI sends them). The person joins only once they accept. */
export async function inviteTeamMember(client: VastClient, email: string, role: string): Promise<void> {
  await client.request({
    operation: `invite ${email} as ${role}`,
    method: "POST",
    path: "api/v0/team/invite/",
    query: { email, role },
    body: {},
    schema: MessageAnswer,
    // Vast answers 429 to a second invitation within minutes (§4.4): retrying would only wait it out blindly.
    retry: "never",
    pace: "team",
  });
}

/** Members who accepted (pending invitations are not listed); `undefined` when the key acts on no team. */
export async function listTeamMembers(client: VastClient): Promise<TeamMember[] | undefined> {
  return client.request({
    operation: "list team members",
    method: "GET",
    path: "api/v0/team/members/",
    schema: TeamMemberList,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

/** Removes a member; 404 "No user was removed" means done. */
export async function removeTeamMember(client: VastClient, userId: number): Promise<void> {
  await client.request({
    operation: `remove team member ${userId}`,
    method: "DELETE",
    path: `api/v0/team/members/${userId}/`,
    body: {},
    schema: AnyAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

// ---- API keys (§4.6) ----

/** Creates a key; the answer is the only place its secret ever appears. */
export async function createApiKey(
  client: VastClient,
  body: { name: string; permissions: VastPermissions; key_params?: string },
): Promise<{ id: number; key: string; createdAt: number | string | null }> {
  const res = await client.request({
    operation: `create API key "${body.name}"`,
    method: "POST",
    path: "api/v0/auth/apikeys/",
    body,
    schema: ApiKeyCreated,
    retry: "refusedOnly",
    pace: "team",
  });
  return { id: res.id, key: res.key, createdAt: res.created_at ?? null };
}

/** The keys acting on the client's account, without secrets. */
export async function listApiKeys(client: VastClient): Promise<ApiKeyInfo[]> {
  const res = await client.request({
    operation: "list API keys",
    method: "GET",
    path: "api/v0/auth/apikeys/",
    schema: ApiKeyList,
    retry: "idempotent",
    pace: "team",
  });
  return res.apikeys;
}

/** Deletes a key; 404 "API Key not found." means done. */
export async function deleteApiKey(client: VastClient, id: number): Promise<void> {
  await client.request({
    operation: `delete API key ${id}`,
    method: "DELETE",
    path: `api/v0/auth/apikeys/${id}/`,
    body: {},
    schema: AnyAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

// ---- subaccounts (§4.5) ----

/** Creates a child account of the client's account; the password is sent once and never read back. */
export async function createSubaccount(
  client: VastClient,
  body: { email: string; username: string; password: string; host_only: boolean },
): Promise<{ id: number; keyId: number | null }> {
  const res = await client.request({
    operation: `create subaccount ${body.email}`,
    method: "POST",
    path: "api/v0/users/",
    body: { ...body, parent_id: "me" },
    schema: SubaccountCreated,
    retry: "refusedOnly",
    pace: "team",
  });
  return { id: res.id, keyId: res.key_id ?? null };
}

/** The subaccounts of the client's account. */
export async function listSubaccounts(client: VastClient): Promise<Subaccount[]> {
  const res = await client.request({
    operation: "list subaccounts",
    method: "GET",
    path: "api/v0/subaccounts",
    query: { owner: "me" },
    schema: SubaccountList,
    retry: "idempotent",
    pace: "team",
  });
  return res.users;
}

// ---- clusters (§5.1) ----

/** Creates a cluster managed by one of your machines; Vast answers with no id (find it by subnet). */
export async function createCluster(client: VastClient, subnet: string, managerId: number): Promise<void> {
  await client.request({
    operation: `create cluster ${subnet}`,
    method: "POST",
    path: "api/v0/cluster/",
    body: { subnet, manager_id: managerId },
    schema: MessageAnswer,
    retry: "refusedOnly",
    pace: "team",
  });
}

/** The clusters of the client's account, with their machines (the list's id-keyed map, as an array). */
export async function listClusters(client: VastClient): Promise<Cluster[]> {
  const res = await client.request({
    operation: "list clusters",
    method: "GET",
    path: "api/v0/clusters/",
    schema: ClusterMap,
    retry: "idempotent",
    pace: "team",
  });
  return Object.entries(res.clusters).map(([id, c]) => ({
    id: Number(id),
    subnet: c.subnet,
    managerId: c.nodes.find((n) => n.is_cluster_manager)?.machine_id ?? null,
    machineIds: c.nodes.map((n) => n.machine_id),
  }));
}

/** Adds machines to a cluster; adding one already in is harmless. */
export async function joinCluster(client: VastClient, clusterId: number, machineIds: number[]): Promise<void> {
  await client.request({
    operation: `add machines ${machineIds.join(",")} to cluster ${clusterId}`,
    method: "PUT",
    path: "api/v0/cluster/",
    body: { cluster_id: clusterId, machine_ids: machineIds },
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
  });
}

/** Removes a machine from a cluster (the manager only with `newManagerId`); 404 means it is not in, which is done. */
export async function removeClusterMachine(client: VastClient, clusterId: number, machineId: number, newManagerId?: number): Promise<void> {
  await client.request({
    operation: `remove machine ${machineId} from cluster ${clusterId}`,
    method: "DELETE",
    path: "api/v0/cluster/remove_machine/",
    body: { cluster_id: clusterId, machine_id: machineId, ...(newManagerId === undefined ? {} : { new_manager_id: newManagerId }) },
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

/** Deletes a cluster; 404 means done. */
export async function deleteCluster(client: VastClient, clusterId: number): Promise<void> {
  await client.request({
    operation: `delete cluster ${clusterId}`,
    method: "DELETE",
    path: "api/v0/cluster/",
    body: { cluster_id: clusterId },
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

// ---- overlays (§5.2) ----

/** Creates an overlay on a cluster; Vast answers with no id (find it by name). */
export async function createOverlay(client: VastClient, clusterId: number, name: string): Promise<void> {
  await client.request({
    operation: `create overlay "${name}"`,
    method: "POST",
    path: "api/v0/overlay/",
    body: { cluster_id: clusterId, name },
    schema: MessageAnswer,
    retry: "refusedOnly",
    pace: "team",
  });
}

/** The overlays of the client's account, with their instances. */
export async function listOverlays(client: VastClient): Promise<Overlay[]> {
  return client.request({
    operation: "list overlays",
    method: "GET",
    path: "api/v0/overlay/",
    schema: OverlayList,
    retry: "idempotent",
    pace: "team",
  });
}

/** Adds a running instance to an overlay (by overlay name, as the API takes it). */
export async function joinOverlay(client: VastClient, name: string, instanceId: number): Promise<void> {
  await client.request({
    operation: `add instance ${instanceId} to overlay "${name}"`,
    method: "PUT",
    path: "api/v0/overlay/",
    body: { name, instance_id: instanceId },
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
  });
}

/** Deletes an overlay by id; 404 means done. */
export async function deleteOverlay(client: VastClient, overlayId: number): Promise<void> {
  await client.request({
    operation: `delete overlay ${overlayId}`,
    method: "DELETE",
    path: "api/v0/overlay/",
    body: { overlay_id: overlayId },
    schema: MessageAnswer,
    retry: "idempotent",
    pace: "team",
    acceptStatus: [404],
  });
}

/** True when a create failed with Vast's "already exists" style refusal (an object of that name or subnet is there). */
export function isAlreadyThere(error: unknown): boolean {
  return error instanceof VastError && error.status === 400 && /already exists/i.test(error.vastMessage ?? "");
}
