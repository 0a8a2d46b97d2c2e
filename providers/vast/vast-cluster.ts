/** `VastCluster` and `VastClusterMember`: a physical cluster of machines you host, and a machine in it. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastCluster}. Every change replaces the cluster (deleted first: its subnet is how it is found). */
export interface VastClusterArgs {
  /** The cluster's local subnet, an IPv4 CIDR such as `10.0.0.0/24`, unused by the account's other clusters. */
  readonly subnet: pulumi.Input<string>;
  /** The machine (one you host) that manages the cluster. */
  readonly managerId: pulumi.Input<number>;
  /** The account's key. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/** A cluster (vast-api-more.md §5.1). Vast answers its create without an id; the kit finds it by subnet. */
export class VastCluster extends pulumi.dynamic.Resource {
  /** Vast's cluster id (the key of `show clusters`). */
  declare readonly clusterId: pulumi.Output<number>;
  /** Every machine in the cluster, as of the last create or refresh. */
  declare readonly machineIds: pulumi.Output<number[]>;

  constructor(name: string, args: VastClusterArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("cluster"),
      name,
      { clusterId: undefined, machineIds: undefined, ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "Cluster",
    );
  }
}

/** Arguments of {@link VastClusterMember}. Every change replaces the membership. */
export interface VastClusterMemberArgs {
  /** The cluster, `VastCluster.clusterId`. */
  readonly clusterId: pulumi.Input<number>;
  /** The machine to add, one you host. */
  readonly machineId: pulumi.Input<number>;
  /** The account's key. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/** One more machine in a cluster; deleting it takes the machine out (never the manager: delete the cluster for that). */
export class VastClusterMember extends pulumi.dynamic.Resource {
  constructor(name: string, args: VastClusterMemberArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("clusterMember"),
      name,
      { ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "ClusterMember",
    );
  }
}
