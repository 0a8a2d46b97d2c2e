/** `VastTeamRole`: a role of a team, with a typed permissions document. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { VastPermissions } from "./permissions.ts";

/** Arguments of {@link VastTeamRole}. */
export interface VastTeamRoleArgs {
  /** The role's name, unique in the team (letters, digits, `_`, `-`; not `owner`). Changes in place. */
  readonly name: pulumi.Input<string>;
  /** What members holding the role may do (vast-api-more.md §4.3). Changes in place. */
  readonly permissions: pulumi.Input<VastPermissions>;
  /** The team's key, `VastTeam.accountKey`. Defaults to the stack's `vast:apiKey` (which must then act on a team). A change replaces the role. */
  readonly accountKey?: pulumi.Input<string>;
}

/** A team role. Its id is Vast's numeric role id; a rename or new permissions update it in place. */
export class VastTeamRole extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /** Vast's numeric role id (what `vastai update team-role` takes). */
  declare readonly roleId: pulumi.Output<number>;
  declare readonly permissions: pulumi.Output<VastPermissions>;

  constructor(name: string, args: VastTeamRoleArgs, opts?: pulumi.CustomResourceOptions) {
    const accountKey = args.accountKey === undefined ? {} : { accountKey: pulumi.secret(args.accountKey) };
    super(
      delegatingProvider("teamRole"),
      name,
      { roleId: undefined, ...args, ...accountKey },
      { ...opts, additionalSecretOutputs: ["accountKey"] },
      "vast",
      "TeamRole",
    );
  }
}
