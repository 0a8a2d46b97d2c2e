/** `RandomSecret`: a random string minted once and kept in state as a secret (e.g. a portal password). */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

export interface RandomSecretArgs {
  /** Random bytes before base64url encoding. Defaults to 24 (32 characters). */
  readonly bytes?: pulumi.Input<number>;
}

/**
 * A random string minted once, at create, and kept in state as a secret.
 *
 * The value exists nowhere but in Pulumi state, so there is nothing outside to observe: refresh
 * returns the state unchanged (a value edited by hand in state cannot be told from the minted one),
 * and delete removes nothing beyond the state entry. Changing `bytes` mints a new value.
 */
export class RandomSecret extends pulumi.dynamic.Resource {
  /** The random string; always a secret. */
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: RandomSecretArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("randomSecret"),
      name,
      { value: undefined, ...args },
      { ...opts, additionalSecretOutputs: ["value"] },
      "random",
      "Secret",
    );
  }
}
