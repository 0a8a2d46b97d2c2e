/** `VastTeam`: a Vast team account, created with a key that from then on acts on the team. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastTeam}. */
export interface VastTeamArgs {
  /** The team's name, unique on Vast (1–64 letters, digits, spaces, `_-.`). A change replaces the team: Vast cannot rename one. */
  readonly teamName: pulumi.Input<string>;
  /** Personal credit moved into the team when it is created, in $; irreversible. Later changes move nothing. Defaults to 0. */
  readonly transferCredit?: pulumi.Input<number>;
  /**
   * A personal API key of the owner (typically a {@link VastApiKey}'s `key`). It creates the team
   * and from then on acts on the team (vast-api-more.md §4.1), so it must not be the key the rest
   * of the stack uses. Destroying the team gives it back to the personal account. Kept as a secret.
   */
  readonly accountKey: pulumi.Input<string>;
}

/**
 * A team. Vast answers the create without an id and has no team read: the team is known by its
 * name, and a refresh asks whether `accountKey` still acts on a team. Pass `accountKey` (a secret
 * output) to the team's roles, members and keys so they act on the team.
 */
export class VastTeam extends pulumi.dynamic.Resource {
  declare readonly teamName: pulumi.Output<string>;
  /** The key acting on the team: the `accountKey` input, as a secret that also orders dependents after the team. */
  declare readonly accountKey: pulumi.Output<string>;

  constructor(name: string, args: VastTeamArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("team"),
      name,
      { ...args, accountKey: pulumi.secret(args.accountKey) },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "Team",
    );
  }
}
