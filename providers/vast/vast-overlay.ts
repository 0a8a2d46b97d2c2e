/** `VastOverlay` and `VastOverlayMember`: an overlay network on a cluster, and an instance in it. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastOverlay}. Every change replaces the overlay. */
export interface VastOverlayArgs {
  /** The cluster it runs on, `VastCluster.clusterId`. */
  readonly clusterId: pulumi.Input<number>;
  /** The overlay's name, unique in the account: lower-case letters, digits and `-`, so `-n <name>` at instance create can reach it. */
  readonly name: pulumi.Input<string>;
  /** The account's key. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/** An overlay network (vast-api-more.md §5.2). Vast answers its create without an id; the kit finds it by name. */
export class VastOverlay extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /** Vast's overlay id. */
  declare readonly overlayId: pulumi.Output<number>;
  declare readonly internalSubnet: pulumi.Output<string | null>;
  /** Instances in the overlay, as of the last create or refresh. */
  declare readonly instanceIds: pulumi.Output<number[]>;

  constructor(name: string, args: VastOverlayArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("overlay"),
      name,
      { overlayId: undefined, internalSubnet: undefined, instanceIds: undefined, ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "Overlay",
    );
  }
}

/** Arguments of {@link VastOverlayMember}. Every change replaces the membership. */
export interface VastOverlayMemberArgs {
  /** The overlay, by `VastOverlay.name`. */
  readonly overlayName: pulumi.Input<string>;
  /** A running instance on a machine of the overlay's cluster. */
  readonly instanceId: pulumi.Input<number>;
  /** The account's key. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/**
 * An instance in an overlay. Vast has no call to take one instance out: deleting the resource only
 * drops it from the stack (with a line on stderr); the membership ends with the instance or the overlay.
 */
export class VastOverlayMember extends pulumi.dynamic.Resource {
  constructor(name: string, args: VastOverlayMemberArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("overlayMember"),
      name,
      { ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "OverlayMember",
    );
  }
}
