/** `VastSshKey`: an account-level SSH public key. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

export interface VastSshKeyArgs {
  /** OpenSSH public key line; a change replaces the key. */
  readonly publicKey: pulumi.Input<string>;
}

export class VastSshKey extends pulumi.dynamic.Resource {
  declare readonly keyId: pulumi.Output<number>;

  constructor(name: string, args: VastSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(delegatingProvider("sshKey"), name, { keyId: undefined, ...args }, opts, "vast", "SshKey");
  }
}
