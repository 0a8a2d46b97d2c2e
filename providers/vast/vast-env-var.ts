/** `VastEnvVar`: an account-level environment variable ("secret") injected into new containers. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

export interface VastEnvVarArgs {
  /** Variable name; Vast upper-cases it. A change replaces the variable. */
  readonly key: pulumi.Input<string>;
  /** Value; always stored as a Pulumi secret. */
  readonly value: pulumi.Input<string>;
}

export class VastEnvVar extends pulumi.dynamic.Resource {
  constructor(name: string, args: VastEnvVarArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("envVar"),
      name,
      { key: args.key, value: pulumi.secret(args.value) },
      { ...opts, additionalSecretOutputs: ["value"] },
      "vast",
      "EnvVar",
    );
  }
}
