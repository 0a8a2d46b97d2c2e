/** `VastTeamMember`: a person invited to a team with a role. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastTeamMember}. Every change removes the member and invites again (Vast cannot change a role). */
export interface VastTeamMemberArgs {
  /** The person's email address. */
  readonly email: pulumi.Input<string>;
  /** The role they get: a {@link VastTeamRole}'s `name`, or Vast's `manager` / `member`. */
  readonly role: pulumi.Input<string>;
  /** The team's key, `VastTeam.accountKey`. Defaults to the stack's `vast:apiKey`. */
  readonly accountKey?: pulumi.Input<string>;
}

/**
 * A team member. Created once the invitation is sent; the person joins when they accept, which a
 * refresh shows (`status` becomes `member`, `userId` is set). Deleting a member removes them;
 * deleting a pending invitation leaves it pending, since Vast has no call to withdraw one.
 */
export class VastTeamMember extends pulumi.dynamic.Resource {
  /** `invited` until the person accepts, then `member`, as of the last create or refresh. */
  declare readonly status: pulumi.Output<"invited" | "member">;
  /** Their Vast user id once they joined; null while invited. */
  declare readonly userId: pulumi.Output<number | null>;

  constructor(name: string, args: VastTeamMemberArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("teamMember"),
      name,
      { status: undefined, userId: undefined, ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "TeamMember",
    );
  }
}
