/**
 * What a `VastTeamMember` does (vast-api-more.md §4.4): invite a person to a team with a role. The
 * person joins only when they accept, which may be days later, so the resource is created once the
 * invitation is sent (`status: "invited"`) and a refresh sees them join (`status: "member"`, with
 * their user id). The resource id is the email: pending invitations are not listed anywhere.
 * Vast cannot change a member's role or withdraw an invitation: a role change removes and
 * re-invites (unless it is the rename of the member's role, which Vast applies to its holders),
 * and deleting a still-pending invitation leaves it pending on Vast.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, changedKeys, clientFor } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { inviteTeamMember, listTeamMembers, removeTeamMember } from "./team-api.ts";
import type { TeamMember } from "./team-schemas.ts";

export const TeamMemberInputs = z.strictObject({
  /** The person's email address. */
  email: z.email("must be an email address").max(64, "must be at most 64 characters"),
  /** The team role they get (a `VastTeamRole`'s name, or `manager` / `member`). */
  role: z.string().regex(/^[\w-]{1,64}$/, "must be a role name: 1 to 64 letters, digits, '_' or '-'"),
  /** The team's key (`VastTeam.accountKey`); defaults to the stack's key. */
  accountKey: AccountKey,
});
export type TeamMemberInputs = z.infer<typeof TeamMemberInputs>;
export interface TeamMemberOutputs extends TeamMemberInputs {
  /** `invited` until the person accepts, then `member`. */
  status: "invited" | "member";
  /** Their Vast user id once they joined; null while invited. */
  userId: number | null;
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(TeamMemberInputs, news);
}

export async function diff(
  _id: string,
  olds: TeamMemberOutputs,
  news: TeamMemberInputs,
  settings?: ProviderSettings,
): Promise<pulumi.dynamic.DiffResult> {
  const changed = changedKeys(["email", "role", "accountKey"], olds, news);
  // A renamed role: members who hold it follow the rename on Vast, so a joined member who already
  // holds the new name is only recorded, not removed and invited again.
  if (settings && olds.status === "member" && changed.length === 1 && changed[0] === "role") {
    const members = (await listTeamMembers(clientFor(settings, news.accountKey))) ?? [];
    if (memberOf(members, news.email)?.roles.includes(news.role)) return { changes: true, replaces: [], deleteBeforeReplace: true };
  }
  // The same person cannot be invited while still a member: remove first.
  return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: true };
}

/** Only a role rename that Vast already applied gets here: record it. */
export async function update(
  _settings: ProviderSettings,
  _id: string,
  olds: TeamMemberOutputs,
  news: TeamMemberInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: { ...olds, ...news } };
}

function memberOf(members: TeamMember[], email: string): TeamMember | undefined {
  return members.find((m) => m.email?.toLowerCase() === email.toLowerCase());
}

export async function create(settings: ProviderSettings, inputs: TeamMemberInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  try {
    await inviteTeamMember(client, inputs.email, inputs.role);
  } catch (error) {
    // Already in the team (a membership made elsewhere, or a create whose state was lost): take it over.
    if (error instanceof VastError && error.status === 400 && /already a member/i.test(error.vastMessage ?? "")) {
      const member = memberOf((await listTeamMembers(client)) ?? [], inputs.email);
      if (member) return { id: inputs.email, outs: outputs(inputs, member) };
    }
    if (error instanceof VastError && error.status === 429)
      throw new VastError(
        VastErrorCode.http,
        `email: ${inputs.email} was invited minutes ago and Vast refuses another invitation for about 300 s (${error.vastMessage ?? "429"}); run \`pulumi up\` again after that`,
        { cause: error },
      );
    throw error;
  }
  const joined = memberOf((await listTeamMembers(client)) ?? [], inputs.email);
  return { id: inputs.email, outs: outputs(inputs, joined) };
}

function outputs(inputs: TeamMemberInputs, member: TeamMember | undefined): TeamMemberOutputs {
  return member
    ? { ...inputs, role: member.roles[0] ?? inputs.role, status: "member", userId: member.id }
    : { ...inputs, status: "invited", userId: null };
}

export async function read(settings: ProviderSettings, id: string, props: TeamMemberOutputs): Promise<pulumi.dynamic.ReadResult> {
  const members = await listTeamMembers(clientFor(settings, props.accountKey));
  // The team is gone, and every membership and invitation with it.
  if (members === undefined) return { id: "" };
  const member = memberOf(members, props.email);
  // A member who is no longer listed was removed; an invitation that is not listed may still be pending.
  if (!member && props.status === "member") return { id: "" };
  return { id, props: outputs(props, member) };
}

export async function remove(settings: ProviderSettings, id: string, props: TeamMemberOutputs): Promise<void> {
  const client = clientFor(settings, props.accountKey);
  const member = memberOf((await listTeamMembers(client)) ?? [], props.email);
  if (member) {
    await removeTeamMember(client, member.id);
    return;
  }
  if (props.status === "invited") console.error(`vast team member ${id}: the invitation stays pending on Vast: the API cannot withdraw it`);
}

export const teamMemberKind = vastKind<TeamMemberInputs, TeamMemberOutputs>({ check, diff, create, update, read, remove });
