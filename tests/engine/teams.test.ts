/**
 * VastApiKey, VastTeam, VastTeamRole and VastTeamMember through the real Pulumi engine against the
 * emulator: a personal key creates a team and becomes its key, the team's role, member and key act
 * on the team through it; up, no-op up, refresh after out-of-band changes (an invitation accepted,
 * a role edited, a key deleted), an in-place role rename that the member follows without being
 * invited again, and destroy leaving nothing. No API key
 * may appear in plaintext in the state file or in anything the engine printed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import {
  deleteApiKey,
  listApiKeys,
  listSubaccounts,
  listTeamMembers,
  listTeamRoles,
  updateTeamRole,
} from "../../providers/vast/team-api.ts";
import { repoRoot, fileBackendEnv } from "../_support/pulumi.ts";

const run = promisify(execFile);
const apiKey = "teams-engine-key-7c1d2e";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastApiKey, VastSubaccount, VastTeam, VastTeamMember, VastTeamRole } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const owner = new VastApiKey("owner", { name: "team-owner", permissions: { api: { team_read: {}, team_write: {}, user_read: {}, user_write: {} } } });
const team = new VastTeam("team", { teamName: "research", accountKey: owner.key });
const role = new VastTeamRole("dev", {
  name: config.require("roleName"),
  permissions: { api: { instance_read: {}, misc: { "api.instance.request_logs": { constraints: { id: { gte: 1 } } } } } },
  accountKey: team.accountKey,
});
const member = new VastTeamMember("ada", { email: "ada@example.com", role: role.name, accountKey: team.accountKey });
const ci = new VastApiKey("ci", { name: "team-ci", permissions: { api: { instance_read: {} } }, accountKey: team.accountKey });
const sub = new VastSubaccount("sub", { email: "sub@example.com", username: "sub", password: "sub-password-91f3" });

export const roleId = role.roleId;
export const roleName = role.name;
export const memberStatus = member.status;
export const memberUserId = member.userId;
export const ciKeyId = ci.apiKeyId;
export const ciTeam = ci.teamName;
export const ciKey = ci.key;
export const ownerKey = owner.key;
export const subId = sub.subaccountId;
`;

test(
  "teams, roles, members and API keys through the engine: up, no-op, refresh after out-of-band changes, rename in place, destroy",
  { timeout: 240_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, rateLimits: false });
    t.after(() => emulator.close());
    const personal = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => personal.close());

    const dir = await mkdtemp(join(tmpdir(), "vast-kit-teams-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, "node_modules"));
    await symlink(repoRoot, join(dir, "node_modules", "vast-kit"));
    await symlink(join(repoRoot, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "teams-test", private: true, type: "module" }));
    await writeFile(
      join(dir, "Pulumi.yaml"),
      "name: teams-test\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n",
    );
    await writeFile(join(dir, "index.ts"), program);

    const env = fileBackendEnv(dir, "teams", { VAST_API_KEY: apiKey });
    const printed: string[] = [];
    const pulumi = async (...args: string[]) => {
      const { stdout, stderr } = await run("pulumi", [...args, "--stack", "dev", "--non-interactive", "--cwd", dir], {
        env,
        maxBuffer: 64 << 20,
      }).catch((e) => {
        throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
      });
      printed.push(stdout, stderr);
      return stdout;
    };
    const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));
    await run("pulumi", ["stack", "init", "dev", "--non-interactive", "--cwd", dir], { env });
    await pulumi("config", "set", "vast:apiUrl", emulator.url);
    await pulumi("config", "set", "roleName", "dev");

    assert.match(await pulumi("up", "--yes"), /7 created/);
    const first = await outputs();
    assert.equal(first.memberStatus, "invited");
    assert.equal(first.memberUserId, null);
    assert.equal(first.ciTeam, "research");
    const team = new VastClient({ apiUrl: emulator.url, apiKey: first.ownerKey });
    t.after(() => team.close());
    assert.deepEqual(
      (await listTeamRoles(team))?.map((r) => r.name),
      ["manager", "member", "dev"],
      "the owner's key acts on the team",
    );
    assert.deepEqual(
      (await listApiKeys(personal)).map((k) => k.name),
      ["primary"],
      "the stack's own key still acts on the personal account",
    );
    const ci = new VastClient({ apiUrl: emulator.url, apiKey: first.ciKey });
    t.after(() => ci.close());
    assert.equal((await listApiKeys(ci)).find((k) => k.id === first.ciKeyId)?.team_name, "research", "the team key works");

    await pulumi("up", "--yes", "--expect-no-changes");

    // Ada accepts in the console: a refresh sees her join.
    assert.equal(emulator.acceptInvites("ada@example.com").length, 1);
    await pulumi("refresh", "--yes");
    await pulumi("up", "--yes", "--expect-no-changes");
    const joined = await outputs();
    assert.equal(joined.memberStatus, "member");
    const ada = (await listTeamMembers(team))?.find((m) => m.email === "ada@example.com");
    assert.equal(joined.memberUserId, ada?.id);

    // A rename is an update of the same role, by id; Ada follows it on Vast, so she is not invited again.
    await pulumi("config", "set", "roleName", "developer");
    const renaming = await pulumi("up", "--yes");
    assert.match(renaming, /2 updated/);
    assert.doesNotMatch(renaming, /replaced/);
    const renamed = await outputs();
    assert.equal(renamed.roleId, first.roleId);
    assert.equal(renamed.memberUserId, ada?.id);
    assert.ok((await listTeamRoles(team))?.some((r) => r.id === first.roleId && r.name === "developer"));

    // Behind Pulumi's back: the role is edited and the team's CI key deleted.
    await updateTeamRole(team, first.roleId, { name: "edited", permissions: { api: {} } });
    await deleteApiKey(team, first.ciKeyId);
    const refreshed = await pulumi("refresh", "--yes");
    assert.match(refreshed, /1 deleted/, "the deleted key leaves the stack");
    assert.match(refreshed, /2 updated/, "the edited role is read anew, and Ada's role with it");
    const repaired = await pulumi("up", "--yes");
    assert.match(repaired, /1 created/);
    assert.match(repaired, /2 updated/, "the role is put back, and Ada's record follows it");
    const after = await outputs();
    assert.equal(after.roleName, "developer");
    assert.ok(
      (await listTeamRoles(team))?.some((r) => r.id === first.roleId && r.name === "developer"),
      "the role is put back",
    );
    assert.notEqual(after.ciKeyId, first.ciKeyId);
    assert.equal(after.memberUserId, ada?.id, "still the same membership");

    // No key in plaintext: not in the state file, not in anything the engine printed.
    const secrets = [first.ownerKey, first.ciKey, after.ciKey, apiKey, "sub-password-91f3"];
    const stateFiles = await filesUnder(join(dir, ".pulumi", "stacks"));
    assert.ok(stateFiles.length > 0);
    for (const file of stateFiles) {
      const text = await readFile(file, "utf8");
      for (const secret of secrets) assert.ok(!text.includes(secret), `a key appears in plaintext in ${file}`);
    }
    const exported = await pulumi("stack", "export");
    for (const secret of secrets) assert.ok(!exported.includes(secret), "a key appears in plaintext in the exported state");

    await pulumi("destroy", "--yes");
    for (const text of printed) {
      // `stack output --show-secrets` printed them on purpose; every other command must not.
      if (text.includes('"ownerKey"')) continue;
      assert.ok(!text.includes("sub-password-91f3"), "the engine printed the subaccount's password");
      for (const secret of secrets) assert.ok(!text.includes(secret), "the engine printed a key");
    }
    assert.deepEqual(
      (await listApiKeys(personal)).map((k) => k.name),
      ["primary"],
      "destroy deletes the owner's key once the team gave it back",
    );
    assert.equal((await listApiKeys(ci).catch((e) => e.status)) as unknown, 401, "the team's keys die with the team");
    assert.deepEqual(
      (await listSubaccounts(personal)).map((s) => s.id),
      [first.subId],
      "Vast cannot delete a subaccount: destroy lets it go",
    );
    assert.match(printed.join("\n"), /kept on Vast, which has no call to delete a subaccount/);
  },
);

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
