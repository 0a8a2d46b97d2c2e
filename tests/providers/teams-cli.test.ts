/**
 * The team, role, member, API-key and subaccount resources beside the official vastai CLI against
 * the emulator: each sees what the other made, changes and deletes (vast-api-more.md §4).
 */
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import * as apiKey from "../../providers/vast/api-key-provider.ts";
import * as subaccount from "../../providers/vast/subaccount-provider.ts";
import * as member from "../../providers/vast/team-member-provider.ts";
import * as role from "../../providers/vast/team-role-provider.ts";
import * as team from "../../providers/vast/team-provider.ts";
import { vastaiCli } from "../_support/vastai.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

/** Checked inputs, as the engine would hand them to `create`. */
async function checked<T>(
  kind: { check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown }> },
  news: Record<string, unknown>,
): Promise<T> {
  const result = await kind.check({}, news);
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as T;
}

function permissionsFile(t: TestContext, permissions: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "vast-perms-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "permissions.json");
  writeFileSync(file, JSON.stringify(permissions));
  return file;
}

test(
  "API keys: the CLI lists the kit's key without its secret, the kit finds the CLI's, and each notices the other's deletes",
  { timeout: 60_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t, { rateLimits: false });
    const { raw, vastai } = vastaiCli(t, emulator.url, testApiKey);

    const made = await apiKey.create(settings, await checked(apiKey, { name: "kit-key", permissions: { api: { instance_read: {} } } }));
    const secret = (made.outs as apiKey.ApiKeyOutputs).key;
    const listed = await raw("show", "api-keys");
    assert.deepEqual(
      listed.apikeys.map((k: any) => k.name),
      ["primary", "kit-key"],
    );
    assert.ok(!JSON.stringify(listed).includes(secret));
    const shown = await vastai("show", "api-key", made.id);
    assert.match(shown.stdout, /kit-key/);

    const cli = await vastai("create", "api-key", "--name", "cli-key", "--permission_file", permissionsFile(t, { api: { misc: {} } }));
    assert.match(cli.stdout, /api-key created/);
    const cliId = (await raw("show", "api-keys")).apikeys.find((k: any) => k.name === "cli-key").id;
    const cliState = { ...(made.outs as apiKey.ApiKeyOutputs), name: "cli-key", apiKeyId: cliId, key: "unknown-to-the-kit" };
    assert.equal((await apiKey.read(settings, String(cliId), cliState)).id, String(cliId), "the kit reads the CLI's key by id");

    await vastai("delete", "api-key", made.id);
    assert.deepEqual(await apiKey.read(settings, made.id, made.outs as apiKey.ApiKeyOutputs), { id: "" });
    await apiKey.remove(settings, String(cliId), cliState);
    assert.deepEqual(
      (await raw("show", "api-keys")).apikeys.map((k: any) => k.name),
      ["primary"],
    );
  },
);

test(
  "teams: the CLI works in the kit's team with its key, and the kit follows the CLI's role edits, member removals and team destroy",
  { timeout: 90_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t, { rateLimits: false });
    const owner = await apiKey.create(settings, await checked(apiKey, { name: "owner", permissions: { api: {} } }));
    const ownerKey = (owner.outs as apiKey.ApiKeyOutputs).key;
    const made = await team.create(settings, await checked(team, { teamName: "kit-team", accountKey: ownerKey }));
    const cli = vastaiCli(t, emulator.url, ownerKey);

    // A role made by the kit, seen, edited and removed by the CLI.
    const kitRole = await role.create(
      settings,
      await checked(role, { name: "kit-role", permissions: { api: { instance_read: {} } }, accountKey: ownerKey }),
    );
    assert.deepEqual(
      (await cli.raw("show", "team-roles")).map((r: any) => r.name),
      ["manager", "member", "kit-role"],
    );
    const shownRole = await cli.vastai("show", "team-role", "kit-role");
    assert.equal(JSON.parse(shownRole.stdout).id, Number(kitRole.id));
    const update = await cli.vastai(
      "update",
      "team-role",
      kitRole.id,
      "--name",
      "cli-renamed",
      "--permissions",
      permissionsFile(t, { api: { misc: {} } }),
    );
    assert.match(update.stdout, /Successfully Updated Team Role For cli-renamed/);
    const reread = await role.read(settings, kitRole.id, kitRole.outs as role.TeamRoleOutputs);
    assert.equal((reread.props as role.TeamRoleOutputs).name, "cli-renamed");
    assert.deepEqual((reread.props as role.TeamRoleOutputs).permissions, { api: { misc: {} } });
    // A role made by the CLI is deleted by the kit (by id, whatever its name).
    await cli.vastai("create", "team-role", "--name", "cli-role", "--permissions", permissionsFile(t, { api: { team_read: {} } }));
    const cliRole = (await cli.raw("show", "team-roles")).find((r: any) => r.name === "cli-role");
    await role.remove(settings, String(cliRole.id), { ...(kitRole.outs as role.TeamRoleOutputs), roleId: cliRole.id });
    await cli.vastai("remove", "team-role", "cli-renamed");
    assert.deepEqual(await role.read(settings, kitRole.id, kitRole.outs as role.TeamRoleOutputs), { id: "" });
    assert.deepEqual(
      (await cli.raw("show", "team-roles")).map((r: any) => r.name),
      ["manager", "member"],
    );

    // Members: the kit's invitation and the CLI's are pending until accepted; the CLI removes the kit's member.
    const ada = await member.create(settings, await checked(member, { email: "ada@example.com", role: "member", accountKey: ownerKey }));
    assert.equal((ada.outs as member.TeamMemberOutputs).status, "invited");
    const invited = await cli.vastai("invite", "member", "--email", "bob@example.com", "--role", "manager");
    assert.match(invited.stdout, /successfully invited bob@example.com/);
    assert.equal((await cli.raw("show", "members")).length, 1, "only the owner until someone accepts");
    emulator.acceptInvites("ada@example.com");
    emulator.acceptInvites("bob@example.com");
    const members = await cli.raw("show", "members");
    assert.deepEqual(
      members.map((m: any) => [m.email, m.roles]),
      [
        ["emulator@vast-kit.invalid", ["owner"]],
        ["ada@example.com", ["member"]],
        ["bob@example.com", ["manager"]],
      ],
    );
    const joined = (await member.read(settings, ada.id, ada.outs as member.TeamMemberOutputs)).props as member.TeamMemberOutputs;
    assert.equal(joined.status, "member");
    await cli.vastai("remove", "member", String(joined.userId));
    assert.deepEqual(await member.read(settings, ada.id, joined), { id: "" });

    // The CLI destroys the team; the kit's refresh notices, and its delete is then a no-op.
    const destroyed = await cli.vastai("destroy", "team");
    assert.match(destroyed.stdout, /Team Successfully Deleted/);
    assert.deepEqual(await team.read(settings, made.id, made.outs as team.TeamOutputs), { id: "" });
    await team.remove(settings, made.id, made.outs as team.TeamOutputs);
  },
);

test("the CLI creates a team the kit reads, and the CLI lists the kit's subaccounts beside its own", { timeout: 60_000 }, async (t) => {
  const { emulator, settings } = await emulatorFor(t, { rateLimits: false });
  const owner = await apiKey.create(settings, await checked(apiKey, { name: "owner", permissions: { api: {} } }));
  const ownerKey = (owner.outs as apiKey.ApiKeyOutputs).key;
  const cli = vastaiCli(t, emulator.url, ownerKey);
  const created = await cli.vastai("create", "team", "--team-name", "cli-team");
  assert.match(created.stdout, /Team Successfully Created/);
  const state = await checked<team.TeamInputs>(team, { teamName: "cli-team", accountKey: ownerKey });
  assert.equal((await team.read(settings, "cli-team", state)).id, "cli-team");
  await team.remove(settings, "cli-team", state);
  assert.deepEqual(await team.read(settings, "cli-team", state), { id: "" });

  const personal = vastaiCli(t, emulator.url, testApiKey);
  const kit = await subaccount.create(
    settings,
    await checked(subaccount, { email: "kit-sub@example.com", username: "kit-sub", password: "s3cret-pw" }),
  );
  const cliMade = await personal.vastai(
    "create",
    "subaccount",
    "--email",
    "cli-sub@example.com",
    "--username",
    "cli-sub",
    "--password",
    "pw-2",
    "--type",
    "client",
  );
  assert.match(cliMade.stdout, /cli-sub/);
  const listed = await personal.raw("show", "subaccounts");
  assert.deepEqual(
    listed.map((u: any) => u.email),
    ["kit-sub@example.com", "cli-sub@example.com"],
  );
  const cliId = listed[1].id;
  const seen = await subaccount.read(settings, String(cliId), { ...(kit.outs as subaccount.SubaccountOutputs), subaccountId: cliId });
  assert.equal((seen.props as subaccount.SubaccountOutputs).username, "cli-sub", "the kit reads the CLI's subaccount by id");
  const duplicate = await personal.vastai("create", "subaccount", "--email", "kit-sub@example.com", "--username", "x", "--password", "p");
  assert.match(duplicate.stdout, /409/);
});
