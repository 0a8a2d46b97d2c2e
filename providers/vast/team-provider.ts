/**
 * What a `VastTeam` does (vast-api-more.md §4.2): create a team with a key that then acts on it,
 * and destroy it with that key. Vast has no team read and answers the create with no id, so the
 * team is known by its name, and "does it still exist" is asked by listing its roles with its key:
 * a key acts on one account at a time, so no one else's team can be mistaken for this one.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { changedKeys, clientFor, createThenFind } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { createTeam, destroyTeam, listTeamRoles } from "./team-api.ts";

export const TeamInputs = z.strictObject({
  /** The team's name, unique on Vast. */
  teamName: z
    .string()
    .regex(/^[A-Za-z0-9][\w .-]{0,63}$/, "must be 1 to 64 letters, digits, spaces, '_', '-' or '.', starting with a letter or digit"),
  /** Personal credit moved into the team at creation, in $; irreversible. */
  transferCredit: z.number().min(0, "must be at least 0 (credit only moves into the team)").default(0),
  /** The key that creates the team and from then on acts on it. */
  accountKey: z.string().min(1, "must be a personal API key of the owner (e.g. a VastApiKey's key), never the stack's own key"),
});
export type TeamInputs = z.infer<typeof TeamInputs>;
export type TeamOutputs = TeamInputs;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(TeamInputs, news);
}

export async function diff(_id: string, olds: TeamOutputs, news: TeamInputs): Promise<pulumi.dynamic.DiffResult> {
  // A key acts on one team at a time: the old team must be gone before a new one can be made with the same key.
  return {
    changes: changedKeys(["teamName", "transferCredit", "accountKey"], olds, news).length > 0,
    replaces: changedKeys(["teamName", "accountKey"], olds, news),
    deleteBeforeReplace: true,
  };
}

export async function create(settings: ProviderSettings, inputs: TeamInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  // The key acts on a team exactly when the create went through: a key belongs to one account at a time.
  await createThenFind(
    () => createTeam(client, inputs.teamName, inputs.transferCredit),
    () => listTeamRoles(client),
  );
  return { id: inputs.teamName, outs: inputs };
}

/** Only `transferCredit` changes in place, and only in state: credit moves once, at creation. */
export async function update(
  _settings: ProviderSettings,
  _id: string,
  _olds: TeamOutputs,
  news: TeamInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: news };
}

export async function read(settings: ProviderSettings, id: string, props: TeamOutputs): Promise<pulumi.dynamic.ReadResult> {
  const roles = await listTeamRoles(clientFor(settings, props.accountKey));
  return roles === undefined ? { id: "" } : { id, props };
}

export async function remove(settings: ProviderSettings, id: string, props: TeamOutputs): Promise<void> {
  try {
    await destroyTeam(clientFor(settings, props.accountKey));
  } catch (error) {
    if (error instanceof VastError && error.status === 403)
      throw new VastError(VastErrorCode.http, `team "${id}": only the team's owner may destroy it, and accountKey is not the owner's key`, {
        cause: error,
      });
    throw error;
  }
}

export const teamKind = vastKind<TeamInputs, TeamOutputs>({ check, diff, create, update, read, remove });
