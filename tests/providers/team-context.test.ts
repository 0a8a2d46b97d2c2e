/**
 * Which account each resource acts on (vast-api-more.md §4.1) when the team changes under it: a
 * team destroyed out of band takes its roles, members and keys with it in the next refresh, and
 * the key that created a still-living team can still be deleted (it deletes itself).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as apiKey from "../../providers/vast/api-key-provider.ts";
import { VastClient } from "../../providers/vast/client.ts";
import * as member from "../../providers/vast/team-member-provider.ts";
import * as role from "../../providers/vast/team-role-provider.ts";
import * as team from "../../providers/vast/team-provider.ts";
import { destroyTeam, listApiKeys } from "../../providers/vast/team-api.ts";
import { API_KEY, emulatorFor } from "../emulator/_utils.ts";

async function made<T>(
  kind: {
    check(o: unknown, n: Record<string, unknown>): Promise<{ inputs?: unknown }>;
    create(s: any, i: any): Promise<{ id: string; outs?: unknown }>;
  },
  settings: object,
  news: Record<string, unknown>,
) {
  const created = await kind.create(settings, (await kind.check({}, news)).inputs);
  return { id: created.id, outs: created.outs as T };
}

test("a team destroyed behind Pulumi's back takes its roles, members and keys with it on refresh", async (t) => {
  const emulator = await emulatorFor(t);
  const settings = { apiUrl: emulator.url, apiKey: API_KEY };
  const owner = await made<apiKey.ApiKeyOutputs>(apiKey, settings, { name: "owner", permissions: { api: {} } });
  const key = owner.outs.key;
  const t1 = await made<team.TeamOutputs>(team, settings, { teamName: "gone", accountKey: key });
  const r = await made<role.TeamRoleOutputs>(role, settings, { name: "dev", permissions: { api: {} }, accountKey: key });
  const m = await made<member.TeamMemberOutputs>(member, settings, { email: "ada@example.com", role: "member", accountKey: key });
  const k = await made<apiKey.ApiKeyOutputs>(apiKey, settings, { name: "team-ci", permissions: { api: {} }, accountKey: key });

  const teamClient = new VastClient({ apiUrl: emulator.url, apiKey: key });
  t.after(() => teamClient.close());
  assert.equal(await destroyTeam(teamClient), true);
  assert.deepEqual(await team.read(settings, t1.id, t1.outs), { id: "" });
  assert.deepEqual(await role.read(settings, r.id, r.outs), { id: "" });
  assert.deepEqual(await member.read(settings, m.id, m.outs), { id: "" });
  assert.deepEqual(await apiKey.read(settings, k.id, k.outs), { id: "" }, "the team's keys died with it");
  // Deletes of what is gone are done at once.
  await role.remove(settings, r.id, r.outs);
  await member.remove(settings, m.id, m.outs);
  await apiKey.remove(settings, k.id, k.outs);
  await team.remove(settings, t1.id, t1.outs);
  assert.equal((await apiKey.read(settings, owner.id, owner.outs)).id, owner.id, "the owner's key is personal again");
});

test("the key that created a living team is found through the team and deleted by itself", async (t) => {
  const emulator = await emulatorFor(t);
  const settings = { apiUrl: emulator.url, apiKey: API_KEY };
  const owner = await made<apiKey.ApiKeyOutputs>(apiKey, settings, { name: "owner", permissions: { api: {} } });
  await made<team.TeamOutputs>(team, settings, { teamName: "living", accountKey: owner.outs.key });
  const seen = await apiKey.read(settings, owner.id, owner.outs);
  assert.equal((seen.props as apiKey.ApiKeyOutputs).teamName, "living");
  await apiKey.remove(settings, owner.id, owner.outs);
  assert.deepEqual(await apiKey.read(settings, owner.id, owner.outs), { id: "" });
  const personal = new VastClient({ apiUrl: emulator.url, apiKey: API_KEY });
  t.after(() => personal.close());
  assert.deepEqual(
    (await listApiKeys(personal)).map((k) => k.name),
    ["primary"],
  );
});

test("an API key resource never deletes the key it would authenticate with", async (t) => {
  const emulator = await emulatorFor(t);
  const settings = { apiUrl: emulator.url, apiKey: API_KEY };
  const outs = { name: "self", permissions: { api: {} }, apiKeyId: 1, key: API_KEY, teamName: null } as apiKey.ApiKeyOutputs;
  await assert.rejects(apiKey.remove(settings, "1", outs), { code: "VAST_INVALID_INPUT", message: /would authenticate with/ });
  assert.equal(emulator.stats().byEndpoint["DELETE /api/v0/auth/apikeys/:id"], undefined, "nothing was sent");
});

test("inviting someone who is already a member takes the membership over instead of failing", async (t) => {
  const emulator = await emulatorFor(t);
  const settings = { apiUrl: emulator.url, apiKey: API_KEY };
  const owner = await made<apiKey.ApiKeyOutputs>(apiKey, settings, { name: "owner", permissions: { api: {} } });
  await made<team.TeamOutputs>(team, settings, { teamName: "joined", accountKey: owner.outs.key });
  const first = await made<member.TeamMemberOutputs>(member, settings, {
    email: "ada@example.com",
    role: "member",
    accountKey: owner.outs.key,
  });
  assert.equal(first.outs.status, "invited");
  emulator.acceptInvites("ada@example.com");
  const again = await made<member.TeamMemberOutputs>(member, settings, {
    email: "ada@example.com",
    role: "member",
    accountKey: owner.outs.key,
  });
  assert.equal(again.outs.status, "member");
  assert.equal(typeof again.outs.userId, "number");
});
