/** `VastTemplate`: a Vast template; edits keep its numeric id and mint a new `hashId`. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { OfferFilter } from "./offer-query.ts";

/** Arguments of {@link VastTemplate}. */
export interface VastTemplateArgs {
  /** Template name. */
  readonly name: pulumi.Input<string>;
  /** Image reference, ideally digest-pinned (`repo@sha256:…`). */
  readonly image: pulumi.Input<string>;
  /** Image tag when `image` has none. */
  readonly tag?: pulumi.Input<string>;
  /**
   * Environment variables for instances. Anyone who can see the template can read them (everyone,
   * once it is public): put secrets in the instance's `env` instead. Defaults to none.
   */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Ports to open, e.g. `["1111", "8080"]`. Defaults to none. */
  readonly ports?: pulumi.Input<pulumi.Input<string>[]>;
  /** Script run after Vast's start-up. */
  readonly onstart?: pulumi.Input<string>;
  /** `ssh`, `jupyter` or `args`. Defaults to `ssh`. */
  readonly runtype?: pulumi.Input<"ssh" | "jupyter" | "args">;
  /** Direct (not proxied) SSH. Defaults to true. */
  readonly sshDirect?: pulumi.Input<boolean>;
  /** Direct Jupyter. Defaults to false. */
  readonly jupyterDirect?: pulumi.Input<boolean>;
  /** JupyterLab instead of the classic notebook. Defaults to false. */
  readonly useJupyterLab?: pulumi.Input<boolean>;
  /** Container arguments in `args` mode. */
  readonly args?: pulumi.Input<string>;
  /** Recommended disk in GB. Defaults to 16. */
  readonly diskGb?: pulumi.Input<number>;
  readonly description?: pulumi.Input<string>;
  readonly readme?: pulumi.Input<string>;
  /** Visible only to the account. Defaults to true. */
  readonly private?: pulumi.Input<boolean>;
  /** Offer filter suggested with the template (`/bundles/` shape). */
  readonly searchFilter?: pulumi.Input<OfferFilter>;
  /**
   * Take over this existing template (its numeric id, or the 32-hex-digit `hash_id` of one of its
   * versions) instead of creating one: nothing is created, and the template is edited to these
   * inputs (an edit keeps its id; equal content keeps its hash). Naming the template already held
   * changes nothing; naming another replaces. Destroying the resource deletes the template: to let
   * go of it instead, set the `retainOnDelete: true` resource option first. Defaults to creating.
   */
  readonly adoptId?: pulumi.Input<number | string>;
  /** Private registry credentials; the password should be a secret. */
  readonly dockerLogin?: pulumi.Input<{ registry: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> }>;
}

export class VastTemplate extends pulumi.dynamic.Resource {
  /** Numeric template id; stable across edits. */
  declare readonly templateId: pulumi.Output<number>;
  /** Content hash used to launch instances; changes on every edit. */
  declare readonly hashId: pulumi.Output<string>;

  constructor(name: string, args: VastTemplateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("template"),
      name,
      { templateId: undefined, hashId: undefined, ...args },
      { ...opts, additionalSecretOutputs: ["dockerLogin", ...(opts?.additionalSecretOutputs ?? [])] },
      "vast",
      "Template",
    );
  }
}
