/** `VastSubaccount`: a child account of the calling account; Vast cannot edit or delete one. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastSubaccount}. Every change makes another subaccount (use a new email: the old one stays on Vast). */
export interface VastSubaccountArgs {
  /** Login email, at most 64 characters, unique on Vast. */
  readonly email: pulumi.Input<string>;
  /** Login name, at most 64 characters, unique on Vast. */
  readonly username: pulumi.Input<string>;
  /** Login password, at most 256 characters; sent once, kept in state as a secret. */
  readonly password: pulumi.Input<string>;
  /** A host-only account rather than a client one. Defaults to false. */
  readonly hostOnly?: pulumi.Input<boolean>;
  /** The parent account's key. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/**
 * A subaccount. Destroying the resource leaves the account on Vast (there is no delete endpoint)
 * and only drops it from the stack, with a line on stderr saying so.
 */
export class VastSubaccount extends pulumi.dynamic.Resource {
  /** Vast's user id of the subaccount. */
  declare readonly subaccountId: pulumi.Output<number>;
  /** The id of the subaccount's own API key. */
  declare readonly keyId: pulumi.Output<number | null>;

  constructor(name: string, args: VastSubaccountArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("subaccount"),
      name,
      { subaccountId: undefined, keyId: undefined, ...args, password: pulumi.secret(args.password), ...accountKey },
      { ...opts, additionalSecretOutputs: ["password", "accountKey"] },
      "vast",
      "Subaccount",
    );
  }
}
