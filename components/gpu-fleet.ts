/**
 * `GpuFleet`: a Vast template built from the portal apps and an image, and N instances launched
 * from it; outputs what a user clicks next (portal URLs, SSH commands). Secrets (the portal
 * password, the tunnel token, `secretEnv`) go into each instance's create request, never into the
 * template, so the template can be published.
 */
import * as pulumi from "@pulumi/pulumi";
import { RandomSecret } from "../providers/random/index.ts";
import {
  VastInstance,
  VastTemplate,
  type InstanceDrift,
  type OfferCriteria,
  type WhenDestroyed,
  type WhenStopped,
} from "../providers/vast/index.ts";
import { type AutostopOptions, autostopEnv } from "./autostop.ts";
import { fleetVolumes } from "./fleet-volumes.ts";
import { assertPortalApps, portalEnv, portalPort, portsToOpen, type PortalApp } from "./portal-apps.ts";
import { provisioningEnv } from "./provisioning.ts";
import type { ProvisioningManifestInput } from "../contracts/provisioning-manifest.ts";

/** Arguments of {@link GpuFleet}. */
export interface GpuFleetArgs {
  /** Image to launch, ideally digest-pinned (`BaseImage.refs.cuda`). */
  readonly image: pulumi.Input<string>;
  /** Portal apps; they produce `PORTAL_CONFIG` and the ports to open. */
  readonly apps: readonly PortalApp[];
  /** How many instances to launch. 0 publishes the template alone. */
  readonly instanceCount: number;
  /** Offer criteria for each instance. Required when `instanceCount` > 0. */
  readonly offer?: pulumi.Input<OfferCriteria>;
  /** Disk per instance in GB. Defaults to 32. */
  readonly diskGb?: number;
  /** Template name. Defaults to `<project>-<stack>`. */
  readonly templateName?: string;
  /** Instance labels start with `<prefix>-<n>`, before the kit's tag. Defaults to the tag alone. */
  readonly labelPrefix?: string;
  /**
   * The most all of the stack's instances may cost together, in $/hour: a rent that would go over
   * is refused before anything is rented, naming the total, the offer's price and the cap. Counts
   * every instance tagged for the stack, this fleet's and others'. Defaults to no cap.
   */
  readonly budgetPerHour?: number;
  /** Cloudflare tunnel token for the named tunnel (`CF_TUNNEL_TOKEN`); a secret. */
  readonly tunnelToken?: pulumi.Input<string>;
  /** Portal password (`WEB_PASSWORD`, also accepted as `?token=`). Defaults to a generated secret. */
  readonly portalPassword?: pulumi.Input<string>;
  /** More template env: public settings, visible to anyone who can see the template. Defaults to none. */
  readonly env?: Record<string, pulumi.Input<string>>;
  /** Env for each instance that must stay out of the template (tokens, keys); stored as secrets. Defaults to none. */
  readonly secretEnv?: Record<string, pulumi.Input<string>>;
  /** Private registry login for the image, `-u USER -p TOKEN REGISTRY`; a secret. */
  readonly imageLogin?: pulumi.Input<string>;
  /**
   * What each instance installs at boot: a provisioning manifest (contracts/provisioning-manifest.ts),
   * checked when the program runs (so at `pulumi preview`, before anything is rented) and published in
   * the template env as `PROVISIONING_MANIFEST`. Public like `env`: tokens stay in `secretEnv` and the
   * manifest names them (`auth.huggingface.token_env`, `${VAR}`). Defaults to none.
   */
  readonly provisioning?: ProvisioningManifestInput;
  /** Each instance stops (or destroys) itself after this long idle; see {@link AutostopOptions}. Defaults to never. */
  readonly autostop?: AutostopOptions;
  /**
   * An instance found stopped (by itself or outside Pulumi): `start` it on the next `up`, or `leave`
   * it stopped. Defaults to `leave` with `autostop` (an instance that stopped itself for being idle
   * stays stopped until someone starts it), else `start`.
   */
  readonly whenStopped?: WhenStopped;
  /** An instance found destroyed outside Pulumi: `recreate` it on the next `up`, or `leave` it gone. Defaults to `recreate`. */
  readonly whenDestroyed?: WhenDestroyed;
  /**
   * `up` waits, for each instance, until its portal answers through the published port, so the
   * printed URL opens at once (`VastInstance.waitForPortal`); `{ timeoutSeconds }` bounds the wait.
   * `false` returns as soon as the instances run. Defaults to true (up to 300 s).
   */
  readonly waitForPortal?: boolean | { timeoutSeconds?: number };
  /**
   * A local volume per instance (`VastVolume` `<name>-<n>-volume`), rented on a machine with an
   * offer matching `offer`; each instance is rented on its volume's machine and mounts it at
   * `volumeMountPath`. A replaced instance comes back on the same machine, with the same data (and
   * fails with `VAST_NO_OFFER` while that machine has no free offer matching `offer`).
   * Not with `sharedNetworkVolume`. Defaults to none.
   */
  readonly volumePerInstance?: { readonly sizeGb?: number };
  /**
   * One network volume every instance mounts at `volumeMountPath`, e.g. a `VastNetworkVolume`;
   * instances are rented only on machines of its cluster. Not with `volumePerInstance`. Defaults to none.
   */
  readonly sharedNetworkVolume?: { readonly volumeId: pulumi.Input<number>; readonly clusterId: pulumi.Input<number | null> };
  /** Where the instances mount `volumePerInstance` or `sharedNetworkVolume`. Defaults to `/data`. */
  readonly volumeMountPath?: string;
  /** Makes the instances interruptible, bidding this many $/hour each (`offer.type` should be `bid`). Defaults to on-demand. */
  readonly bidPricePerHour?: number;
  /**
   * What `up` does with an instance that is outbid (stopped by Vast, not destroyed): `wait` keeps
   * it until its bid wins again; `replace` rents the next offer matching `offer` under its
   * `maxPricePerHour` in its place. Defaults to `wait`.
   */
  readonly whenOutbid?: "wait" | "replace";
}

/** What a user needs for one instance. */
export interface FleetInstance {
  instanceId: pulumi.Output<number>;
  status: pulumi.Output<string>;
  sshCommand: pulumi.Output<string | null>;
  /** `https://IP:PORT/?token=…` of the portal; a secret (it carries the password). */
  portalUrl: pulumi.Output<string | null>;
  /** What the instance costs in $/hour as rented (Vast's `dph_total`); `pulumi refresh` updates it. */
  pricePerHour: pulumi.Output<number | null>;
  /** A stop or destroy made outside Pulumi that the fleet's policy left in place; null when there is none. */
  drift: pulumi.Output<InstanceDrift | null>;
  /** True while this bid instance is outbid (see `GpuFleetArgs.whenOutbid`); `pulumi refresh` updates it. */
  outbid: pulumi.Output<boolean>;
  /** The instance's own volume (`volumePerInstance`), or undefined. */
  volumeId?: pulumi.Output<number>;
}

export class GpuFleet extends pulumi.ComponentResource {
  readonly templateId: pulumi.Output<number>;
  readonly templateHashId: pulumi.Output<string>;
  readonly instances: FleetInstance[];
  /** What the whole fleet costs in $/hour: the sum of its instances' rented prices. */
  readonly pricePerHour: pulumi.Output<number>;
  /** The portal password; a secret. */
  readonly portalPassword: pulumi.Output<string>;

  constructor(name: string, args: GpuFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before the component registers, so a bad manifest leaves nothing behind in the engine.
    const provisioningVars = provisioningEnv(`GpuFleet ${name}`, args.provisioning);
    super("vast-kit:fleet:GpuFleet", name, {}, opts);
    assertPortalApps(`GpuFleet ${name}`, args.apps);
    const autostop = args.autostop === undefined ? {} : autostopEnv(`GpuFleet ${name}`, args.autostop);
    if (args.instanceCount > 0 && !args.offer) {
      throw new pulumi.ResourceError(`GpuFleet ${name}: instanceCount is ${args.instanceCount} but no offer criteria were given`, this);
    }
    const placement = fleetVolumes(this, name, args);
    this.portalPassword = pulumi.secret(args.portalPassword ?? new RandomSecret(`${name}-portal-password`, {}, { parent: this }).value);
    const templateEnv: Record<string, pulumi.Input<string>> = {
      // The portal serves TLS with a self-signed pair unless a usable one is provided (instance-runtime.md §6).
      ENABLE_HTTPS: "true",
      ...args.env,
      ...autostop,
      ...portalEnv(args.apps),
      ...provisioningVars,
    };
    const instanceEnv = pulumi.secret(
      pulumi.all({
        ...args.secretEnv,
        WEB_PASSWORD: this.portalPassword,
        ...(args.tunnelToken ? { CF_TUNNEL_TOKEN: args.tunnelToken } : {}),
      }),
    );
    const template = new VastTemplate(
      name,
      {
        name: args.templateName ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
        image: args.image,
        env: templateEnv,
        ports: portsToOpen(args.apps),
        runtype: "ssh",
        sshDirect: true,
        diskGb: args.diskGb ?? 32,
      },
      { parent: this },
    );
    this.templateId = template.templateId;
    this.templateHashId = template.hashId;

    this.instances = Array.from({ length: args.instanceCount }, (_, i) => {
      const volume = placement(i);
      const instance = new VastInstance(
        `${name}-${i}`,
        {
          templateHashId: template.hashId,
          offer: volume?.offer ?? args.offer!,
          ...(volume ? { volume: volume.mount } : {}),
          ...(args.bidPricePerHour !== undefined ? { bidPrice: args.bidPricePerHour } : {}),
          ...(args.whenOutbid ? { whenOutbid: args.whenOutbid } : {}),
          diskGb: args.diskGb ?? 32,
          env: instanceEnv,
          ...(args.budgetPerHour !== undefined ? { stackBudgetPerHour: args.budgetPerHour } : {}),
          ...(args.labelPrefix ? { label: `${args.labelPrefix}-${i}` } : {}),
          ...(args.imageLogin ? { imageLogin: pulumi.secret(args.imageLogin) } : {}),
          // An instance that stopped itself (autostop) stays stopped unless the fleet says otherwise.
          ...(args.whenStopped || args.autostop ? { whenStopped: args.whenStopped ?? "leave" } : {}),
          ...(args.whenDestroyed ? { whenDestroyed: args.whenDestroyed } : {}),
          waitForPortal:
            args.waitForPortal === false ? false : { port: portalPort, ...(args.waitForPortal === true ? {} : args.waitForPortal) },
        },
        { parent: this },
      );
      const portalUrl = pulumi.all([instance.publicIp, instance.hostPorts, this.portalPassword]).apply(([ip, ports, password]) => {
        const port = ports?.[`${portalPort}/tcp`];
        return ip && port ? `https://${ip}:${port}/?token=${encodeURIComponent(password)}` : null;
      });
      return {
        instanceId: instance.instanceId,
        status: instance.status,
        sshCommand: instance.sshCommand,
        portalUrl: pulumi.secret(portalUrl),
        pricePerHour: instance.dphTotal,
        drift: instance.drift,
        outbid: instance.outbid,
        ...(volume?.volumeId ? { volumeId: volume.volumeId } : {}),
      };
    });
    // Rounded to a hundredth of a cent: a sum of float prices would print 0.30000000000000004.
    this.pricePerHour = pulumi
      .all(this.instances.map((i) => i.pricePerHour))
      .apply((prices) => Math.round(prices.reduce<number>((sum, price) => sum + (price ?? 0), 0) * 10_000) / 10_000);
    this.registerOutputs({
      templateId: this.templateId,
      templateHashId: this.templateHashId,
      instances: this.instances,
      pricePerHour: this.pricePerHour,
    });
  }
}
