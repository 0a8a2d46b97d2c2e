/**
 * What a `VastCluster` and a `VastClusterMember` do (vast-api-more.md §5.1): a physical cluster of
 * machines you host, and one more machine in it. The create answers `{"msg"}` without an id, so the
 * new cluster is found in the list by its subnet. Before creating, the list must hold no cluster
 * of that subnet (the create refuses to adopt one); after it, exactly one must be there. Another
 * writer of the same account creating a cluster of the same subnet between the two calls would
 * make two, and the create then fails naming both rather than guess.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, clientFor, createThenFind, replaceWhenChanged } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { createCluster, deleteCluster, joinCluster, listClusters, removeClusterMachine } from "./team-api.ts";
import type { Cluster } from "./team-schemas.ts";

const machineId = z.number().int().positive("must be a machine id");

export const ClusterInputs = z.strictObject({
  /** The cluster's local subnet, an IPv4 CIDR such as 10.0.0.0/24. */
  subnet: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/24")
    .refine(
      (s) =>
        s
          .split("/")[0]!
          .split(".")
          .every((o) => Number(o) <= 255) && Number(s.split("/")[1]) <= 32,
      "must be a valid IPv4 CIDR",
    ),
  /** The machine (one you host) that manages the cluster. */
  managerId: machineId,
  /** The account's key; defaults to the stack's key. */
  accountKey: AccountKey,
});
export type ClusterInputs = z.infer<typeof ClusterInputs>;
export interface ClusterOutputs extends ClusterInputs {
  clusterId: number;
  /** Every machine in the cluster, as of the last create or refresh. */
  machineIds: number[];
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(ClusterInputs, news);
}

export async function diff(_id: string, olds: ClusterOutputs, news: ClusterInputs): Promise<pulumi.dynamic.DiffResult> {
  // Subnets are how a new cluster is found: the old one must be gone before another of the same subnet is made.
  return replaceWhenChanged(["subnet", "managerId", "accountKey"], olds, news, true);
}

export async function create(settings: ProviderSettings, inputs: ClusterInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  const withSubnet = async () => (await listClusters(client)).filter((c) => c.subnet === inputs.subnet);
  const existing = await withSubnet();
  if (existing.length)
    throw new VastError(
      VastErrorCode.invalidInput,
      `subnet: cluster ${existing[0]!.id} already uses ${inputs.subnet}; pick another subnet`,
    );
  await createThenFind(
    () => createCluster(client, inputs.subnet, inputs.managerId),
    async () => ((await withSubnet()).length ? true : undefined),
  );
  const found = await withSubnet();
  if (found.length !== 1)
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `creating a cluster on ${inputs.subnet} left ${found.length} clusters of that subnet (${found.map((c) => c.id).join(", ") || "none"}); check \`show clusters\`, then run \`pulumi up\` again`,
    );
  return { id: String(found[0]!.id), outs: clusterOutputs(inputs, found[0]!) };
}

function clusterOutputs(inputs: ClusterInputs, cluster: Cluster): ClusterOutputs {
  return { ...inputs, clusterId: cluster.id, machineIds: cluster.machineIds };
}

export async function read(settings: ProviderSettings, id: string, props: ClusterOutputs): Promise<pulumi.dynamic.ReadResult> {
  const cluster = (await listClusters(clientFor(settings, props.accountKey))).find((c) => c.id === Number(id));
  if (!cluster) return { id: "" };
  return { id, props: { ...clusterOutputs(props, cluster), managerId: cluster.managerId ?? props.managerId } };
}

export async function remove(settings: ProviderSettings, id: string, props: ClusterOutputs): Promise<void> {
  await deleteCluster(clientFor(settings, props.accountKey), Number(id));
}

export const clusterKind = vastKind<ClusterInputs, ClusterOutputs>({ check, diff, create, read, remove });

export const ClusterMemberInputs = z.strictObject({
  /** The cluster (`VastCluster.clusterId`). */
  clusterId: z.number().int().positive("must be a cluster id"),
  /** The machine to add, one you host. */
  machineId,
  /** The account's key; defaults to the stack's key. */
  accountKey: AccountKey,
});
export type ClusterMemberInputs = z.infer<typeof ClusterMemberInputs>;

export async function checkMember(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(ClusterMemberInputs, news);
}

export async function diffMember(_id: string, olds: ClusterMemberInputs, news: ClusterMemberInputs): Promise<pulumi.dynamic.DiffResult> {
  return replaceWhenChanged(["clusterId", "machineId", "accountKey"], olds, news, true);
}

export async function createMember(settings: ProviderSettings, inputs: ClusterMemberInputs): Promise<pulumi.dynamic.CreateResult> {
  // Adding a machine already in the cluster changes nothing, so a retry after a lost answer is safe.
  await joinCluster(clientFor(settings, inputs.accountKey), inputs.clusterId, [inputs.machineId]);
  return { id: `${inputs.clusterId}/${inputs.machineId}`, outs: inputs };
}

export async function readMember(settings: ProviderSettings, id: string, props: ClusterMemberInputs): Promise<pulumi.dynamic.ReadResult> {
  const cluster = (await listClusters(clientFor(settings, props.accountKey))).find((c) => c.id === props.clusterId);
  return cluster?.machineIds.includes(props.machineId) ? { id, props } : { id: "" };
}

export async function removeMember(settings: ProviderSettings, _id: string, props: ClusterMemberInputs): Promise<void> {
  const client = clientFor(settings, props.accountKey);
  const cluster = (await listClusters(client)).find((c) => c.id === props.clusterId);
  if (!cluster?.machineIds.includes(props.machineId)) return;
  if (cluster.managerId === props.machineId)
    throw new VastError(
      VastErrorCode.invalidInput,
      `machineId: machine ${props.machineId} now manages cluster ${cluster.id}; Vast removes a manager only with a successor: delete the cluster or hand it over first`,
    );
  await removeClusterMachine(client, props.clusterId, props.machineId);
}

export const clusterMemberKind = vastKind<ClusterMemberInputs, ClusterMemberInputs>({
  check: checkMember,
  diff: diffMember,
  create: createMember,
  read: readMember,
  remove: removeMember,
});
