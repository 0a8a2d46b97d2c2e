/**
 * `VastInstance`: a rented Vast instance, from a template or an image. Its Vast label carries the
 * tag `vk:<project>/<stack>/<name>#<spec>` (instance-tag.ts), which ties it to this resource: an
 * interrupted `pulumi up` run again adopts the instance it already rented instead of renting another.
 */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { InstanceDrift, WhenDestroyed, WhenStopped } from "./drift-policy.ts";
import type { OfferCriteria } from "./offer-query.ts";

/** Arguments of {@link VastInstance}. */
export interface VastInstanceArgs {
  /** Offer search criteria, evaluated at create time; changing them replaces the instance. Set one of `offer`, `offerId` and `adoptId`. */
  readonly offer?: pulumi.Input<OfferCriteria>;
  /** A fixed offer (ask) id to rent. Set one of `offer`, `offerId` and `adoptId`. */
  readonly offerId?: pulumi.Input<number>;
  /**
   * Take over this existing instance (`vastai show instances`) instead of renting one: nothing is
   * rented, `image`/`templateHashId` may be left out, and the instance keeps its own label unless
   * `label` is set (it gets no `vk:` tag, so the sweep and the stack budget leave it out). Label,
   * state and bid still change in place; naming another id replaces, and other inputs that would
   * replace a rented instance are not applied to an adopted one. Destroying the resource destroys
   * the instance: to let go of it instead, set the `retainOnDelete: true` resource option first.
   */
  readonly adoptId?: pulumi.Input<number>;
  /**
   * An existing volume to mount at create: a `VastVolume` (on the same machine: filter the offer
   * with `machine_id`) or a `VastNetworkVolume` (on the same cluster: filter with `cluster_id`), at
   * an absolute path in the container. Changing it replaces the instance. Defaults to none.
   */
  readonly volume?: pulumi.Input<{ volumeId: pulumi.Input<number>; mountPath: pulumi.Input<string> }>;
  /**
   * For a bid instance (`bidPrice`): what `up` does once it is outbid (stopped by Vast, not
   * destroyed, `status` `outbid`). `wait` keeps it until its bid wins again (raising `bidPrice`
   * helps); `replace` rents the next offer matching `offer` under its `maxPricePerHour` and destroys
   * the outbid one. Defaults to `wait`.
   */
  readonly whenOutbid?: pulumi.Input<"wait" | "replace">;
  /** Template to start from (its current `hashId`). */
  readonly templateHashId?: pulumi.Input<string>;
  /** Docker image; overrides the template's. Required without a template. */
  readonly image?: pulumi.Input<string>;
  /**
   * Environment variables, merged over the template's; the place for secrets (they stay out of the
   * template, and are stored as Pulumi secrets). Defaults to none.
   */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Ports to open, e.g. `["1111", "8080", "8081/udp"]`. Defaults to none beyond the template's. */
  readonly ports?: pulumi.Input<pulumi.Input<string>[]>;
  /** Disk in GB (≥ 8). Defaults to 16. */
  readonly diskGb?: pulumi.Input<number>;
  /** Label shown in the console before the kit's tag; updated in place. At most 100 characters. Defaults to none. */
  readonly label?: pulumi.Input<string>;
  /** `ssh`, `jupyter` or `args`. Defaults to the template's, else `ssh`. */
  readonly runtype?: pulumi.Input<"ssh" | "jupyter" | "args">;
  /** Container arguments in `args` mode. */
  readonly args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Script run after Vast's own start-up in ssh/jupyter modes. */
  readonly onstart?: pulumi.Input<string>;
  /** Makes the instance interruptible at this bid ($/hour); a new bid updates in place. Defaults to on-demand. */
  readonly bidPrice?: pulumi.Input<number>;
  /** Desired state, applied in place. Defaults to `running`. */
  readonly state?: pulumi.Input<"running" | "stopped">;
  /** Private registry login, `-u USER -p TOKEN REGISTRY`. Pass it as a secret. */
  readonly imageLogin?: pulumi.Input<string>;
  /** How long create and start wait for `running` before failing. Defaults to 900 s. */
  readonly readyTimeoutSeconds?: pulumi.Input<number>;
  /**
   * The most all of the stack's instances may cost together, in $/hour (instances tagged for the
   * stack, plus those being rented in this `up`); a rent that would go over is refused before
   * anything is rented. Defaults to no cap.
   */
  readonly stackBudgetPerHour?: pulumi.Input<number>;
  /**
   * What `up` does with the instance when it is found stopped while `state` wants it running
   * (stopped by itself, e.g. an idle autostop, or in the console): `start` it again, or `leave` it
   * stopped, recorded in `status` and `drift` and shown by every preview. Setting `state` from
   * `stopped` to `running` still starts it. Defaults to `start`.
   */
  readonly whenStopped?: pulumi.Input<WhenStopped>;
  /**
   * What `up` does when the instance is found destroyed outside Pulumi: `recreate` it (rent a new
   * one), or `leave` it gone, recorded as `status: "destroyed"` and in `drift` (`refresh` keeps it
   * too) until this becomes `recreate` or the resource is removed. Defaults to `recreate`.
   */
  readonly whenDestroyed?: pulumi.Input<WhenDestroyed>;
  /**
   * After "running", also wait (in create, and in an update that starts the instance) until the
   * portal answers through its published port: any HTTP answer, 401 included, over TLS with any
   * certificate or plain HTTP. `true` waits for container port 1111 up to 300 s; an object sets the
   * port or the time. A portal that does not answer in time fails the create with
   * `VAST_PORTAL_TIMEOUT` and leaves the instance in the stack. Defaults to `false` (no wait).
   */
  readonly waitForPortal?: pulumi.Input<boolean | { port?: pulumi.Input<number>; timeoutSeconds?: pulumi.Input<number> }>;
}

export class VastInstance extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<number>;
  /** The offer rented; null for an instance adopted from an earlier, interrupted `up`. */
  declare readonly offerId: pulumi.Output<number | null>;
  /** `actual_status` when last observed: `running`, `exited`, …; `outbid` for a bid instance that lost its GPU; `destroyed` for one `whenDestroyed: leave` keeps. */
  declare readonly status: pulumi.Output<string>;
  /** True while this bid instance is outbid: stopped, not destroyed, until its bid wins again (see `whenOutbid`). */
  declare readonly outbid: pulumi.Output<boolean>;
  declare readonly intendedStatus: pulumi.Output<string>;
  /** The user's part of the Vast label. */
  declare readonly label: pulumi.Output<string>;
  /** The kit's tag in the Vast label: `vk:<project>/<stack>/<resource>#<spec>`. */
  declare readonly tag: pulumi.Output<string | null>;
  declare readonly machineId: pulumi.Output<number | null>;
  declare readonly gpuName: pulumi.Output<string | null>;
  declare readonly numGpus: pulumi.Output<number | null>;
  declare readonly dphTotal: pulumi.Output<number | null>;
  declare readonly publicIp: pulumi.Output<string | null>;
  /** Container port (`"1111/tcp"`) → public host port. */
  declare readonly hostPorts: pulumi.Output<Record<string, number>>;
  declare readonly sshCommand: pulumi.Output<string | null>;
  /** A stop or destroy made outside Pulumi that `whenStopped`/`whenDestroyed: leave` kept; null when there is none. */
  declare readonly drift: pulumi.Output<InstanceDrift | null>;

  constructor(name: string, args: VastInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      instanceId: undefined,
      offerId: undefined,
      status: undefined,
      outbid: undefined,
      intendedStatus: undefined,
      // Observed even when no label is given (an adopted instance's own label).
      label: undefined,
      tag: undefined,
      machineId: undefined,
      gpuName: undefined,
      numGpus: undefined,
      dphTotal: undefined,
      publicIp: undefined,
      hostPorts: undefined,
      sshCommand: undefined,
      drift: undefined,
    };
    const owner = { project: pulumi.getProject(), stack: pulumi.getStack(), resource: name };
    super(
      delegatingProvider("instance"),
      name,
      { ...outputs, ...args, owner },
      { ...opts, additionalSecretOutputs: ["imageLogin", "env", ...(opts?.additionalSecretOutputs ?? [])] },
      "vast",
      "Instance",
    );
  }
}
