/** `VastApiKey`: a Vast API key with a permissions document; its secret is a Pulumi secret output. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { VastPermissions } from "./permissions.ts";

/** Arguments of {@link VastApiKey}. Keys are immutable: every change makes a new key, then deletes the old one. */
export interface VastApiKeyArgs {
  /** The key's name (1–64 letters, digits, spaces, `_-.`). */
  readonly name: pulumi.Input<string>;
  /** What the key may do (vast-api-more.md §4.3); `{ api: {} }` grants nothing. */
  readonly permissions: pulumi.Input<VastPermissions>;
  /** Vast's optional `key_params` string. Defaults to none. */
  readonly keyParams?: pulumi.Input<string>;
  /** The key of the account the new key is made in (`VastTeam.accountKey` makes a team key). Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/** An API key. Vast shows the secret once, at creation: it is kept only in state, encrypted, as `key`. */
export class VastApiKey extends pulumi.dynamic.Resource {
  /** Vast's key id (`vastai show api-keys`). */
  declare readonly apiKeyId: pulumi.Output<number>;
  /** The secret key; always a Pulumi secret. */
  declare readonly key: pulumi.Output<string>;
  /** The team the key acts on, if any, as of the last create or refresh. */
  declare readonly teamName: pulumi.Output<string | null>;

  constructor(name: string, args: VastApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("apiKey"),
      name,
      { apiKeyId: undefined, key: undefined, teamName: undefined, ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["key", "accountKey"] },
      "vast",
      "ApiKey",
    );
  }
}
