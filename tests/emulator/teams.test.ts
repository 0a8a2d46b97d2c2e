/**
 * Teams, roles, members, API keys and subaccounts in the emulator (vast-api-more.md §4): every
 * call acts on the account of the key presented, and a key that creates a team becomes the team's
 * key until the team is destroyed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { API_KEY, call, emulatorFor } from "./_utils.ts";

const permissions = { api: { instance_read: {}, misc: {} } };

/** A fresh personal key, so a test never turns the key everything else uses into a team key (§4.1). */
async function personalKey(emulator: { url: string }, name = "personal"): Promise<{ id: number; key: string }> {
  const res = await call(emulator, "POST", "/api/v0/auth/apikeys/", { body: { name, permissions: {} } });
  assert.equal(res.status, 200, res.text);
  return { id: res.body.id, key: res.body.key };
}

test("an API key is shown once, listed without its secret, and stops authenticating once deleted", async (t) => {
  const emulator = await emulatorFor(t);
  const created = await call(emulator, "POST", "/api/v0/auth/apikeys/", { body: { name: "ci", permissions } });
  assert.equal(created.status, 200);
  assert.match(created.body.key, /^[0-9a-f]{64}$/);
  assert.deepEqual(created.body.permissions, permissions);

  const listed = await call(emulator, "GET", "/api/v0/auth/apikeys/", { key: created.body.key });
  assert.deepEqual(
    listed.body.apikeys.map((k: any) => [k.id, k.name]),
    [
      [1, "primary"],
      [created.body.id, "ci"],
    ],
  );
  assert.ok(!listed.text.includes(created.body.key), "the list never carries a secret");
  assert.deepEqual(Object.keys(listed.body.apikeys[0].permissions.api).length, 11, "{} echoes as every category");

  const shown = await call(emulator, "GET", `/api/v0/auth/apikeys/${created.body.id}/`);
  assert.equal(shown.body.name, "ci");
  assert.equal(shown.body.key, undefined);

  const deleted = await call(emulator, "DELETE", `/api/v0/auth/apikeys/${created.body.id}/`, { body: {} });
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body, "Successfully Deleted API Key");
  assert.equal(deleted.contentType, "application/json");
  assert.equal((await call(emulator, "GET", "/api/v0/users/current", { key: created.body.key })).status, 401);
  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/auth/apikeys/${created.body.id}/`)).body, {
    success: false,
    msg: "API Key not found.",
  });
});

test("an API key without permissions, or with an unknown category, is refused", async (t) => {
  const emulator = await emulatorFor(t);
  const missing = await call(emulator, "POST", "/api/v0/auth/apikeys/", { body: { name: "x" } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error, "missing_permissions");
  const bad = await call(emulator, "POST", "/api/v0/auth/apikeys/", { body: { name: "x", permissions: { api: { rocket_launch: {} } } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, "invalid_permissions");
});

test("the key that creates a team acts on the team until the owner destroys it", async (t) => {
  const emulator = await emulatorFor(t);
  const owner = await personalKey(emulator);
  assert.equal((await call(emulator, "GET", "/api/v0/team/roles-full/", { key: owner.key })).status, 404);

  const created = await call(emulator, "POST", "/api/v0/team/", { key: owner.key, body: { team_name: "ml", transfer_credit: 0 } });
  assert.deepEqual(created.body, { success: true, msg: "Team Successfully Created!" });
  const roles = await call(emulator, "GET", "/api/v0/team/roles-full/", { key: owner.key });
  assert.deepEqual(
    roles.body.map((r: any) => r.name),
    ["manager", "member"],
    "the default roles, without owner",
  );
  const asTeam = await call(emulator, "GET", "/api/v0/users/current", { key: owner.key });
  assert.equal(asTeam.body.username, "ml", "a team key shows the team as the current user");
  assert.equal((await call(emulator, "GET", "/api/v0/users/current")).body.id, 1);
  // The primary key still acts on the personal account.
  const personal = await call(emulator, "GET", "/api/v0/team/roles-full/");
  assert.deepEqual(personal.body, { success: false, error: "not_found", msg: "User is not a team account" });
  // Keys made with the team key belong to the team.
  const teamKey = await call(emulator, "POST", "/api/v0/auth/apikeys/", { key: owner.key, body: { name: "team-ci", permissions } });
  assert.equal(teamKey.body.team_name, "ml");
  assert.deepEqual(
    (await call(emulator, "GET", "/api/v0/auth/apikeys/")).body.apikeys.map((k: any) => k.name),
    ["primary"],
    "the team's keys are not the personal account's",
  );

  const nested = await call(emulator, "POST", "/api/v0/team/", { key: owner.key, body: { team_name: "ml2" } });
  assert.equal(nested.status, 400);
  const taken = await call(emulator, "POST", "/api/v0/team/", {
    key: (await personalKey(emulator, "other")).key,
    body: { team_name: "ml" },
  });
  assert.deepEqual(taken.body, { success: false, error: "invalid_request", msg: "Team name already exists" });

  const byOwner = await call(emulator, "DELETE", "/api/v0/team/", { key: teamKey.body.key, body: {} });
  assert.equal(byOwner.status, 200, "a team key of the owner's making may destroy the team");
  assert.deepEqual(byOwner.body, { success: true, msg: "Team Successfully Deleted!", pkey_id: owner.id });
  assert.equal((await call(emulator, "GET", "/api/v0/team/roles-full/", { key: owner.key })).status, 404, "the key is personal again");
  assert.equal((await call(emulator, "GET", "/api/v0/users/current", { key: teamKey.body.key })).status, 401, "team keys die with it");
  assert.equal((await call(emulator, "DELETE", "/api/v0/team/", { key: owner.key, body: {} })).status, 404);
});

test("roles are read and deleted by name, updated by id, and the owner role cannot be deleted", async (t) => {
  const emulator = await emulatorFor(t);
  const { key } = await personalKey(emulator);
  await call(emulator, "POST", "/api/v0/team/", { key, body: { team_name: "roles" } });
  const created = await call(emulator, "POST", "/api/v0/team/roles/", { key, body: { name: "dev", permissions } });
  assert.deepEqual(created.body, { msg: "success" });
  assert.equal((await call(emulator, "POST", "/api/v0/team/roles/", { key, body: { name: "dev", permissions } })).status, 400);
  assert.equal(
    (await call(emulator, "POST", "/api/v0/team/roles/", { key, body: { name: "x" } })).body.msg,
    "Missing permissions parameter",
  );

  const shown = await call(emulator, "GET", "/api/v0/team/roles/dev/", { key });
  assert.deepEqual(shown.body, { id: shown.body.id, name: "dev", permissions });
  const updated = await call(emulator, "PUT", `/api/v0/team/roles/${shown.body.id}/`, {
    key,
    body: { name: "developer", permissions: { api: { misc: {} } } },
  });
  assert.equal(updated.body, "Successfully Updated Team Role For developer");
  assert.equal((await call(emulator, "GET", "/api/v0/team/roles/dev/", { key })).status, 404);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/team/roles/developer/", { key })).body.permissions, { api: { misc: {} } });

  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/team/roles/owner/", { key, body: {} })).body, {
    success: false,
    error: "forbidden",
    msg: "You cannot delete the owner role.",
  });
  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/team/roles/developer/", { key, body: {} })).body, {
    status: "success",
    message: "Role removed from team",
  });
  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/team/roles/developer/", { key, body: {} })).body, {
    success: false,
    error: "not_found",
    msg: "Specified role not found",
  });
});

test("an invitation from query parameters is pending until accepted; the owner cannot be removed", async (t) => {
  const emulator = await emulatorFor(t);
  const { key } = await personalKey(emulator);
  await call(emulator, "POST", "/api/v0/team/", { key, body: { team_name: "people" } });
  const invited = await call(emulator, "POST", "/api/v0/team/invite/?email=ada%40example.com&role=member", { key, body: {} });
  assert.deepEqual(invited.body, { success: true, msg: "New invitation sent to ada@example.com" });
  const again = await call(emulator, "POST", "/api/v0/team/invite/?email=ada%40example.com&role=member", { key, body: {} });
  assert.equal(again.status, 429);
  assert.match(again.body.msg, /already sent to ada@example.com only \d+ seconds ago/);
  const noRole = await call(emulator, "POST", "/api/v0/team/invite/?email=bob%40example.com&role=pilot", { key, body: {} });
  assert.equal(noRole.status, 400);

  const before = await call(emulator, "GET", "/api/v0/team/members/", { key });
  assert.deepEqual(
    before.body.map((m: any) => m.roles),
    [["owner"]],
    "only the owner until the invitation is accepted",
  );
  assert.equal(emulator.acceptInvites("ada@example.com").length, 1);
  const after = (await call(emulator, "GET", "/api/v0/team/members/", { key })).body;
  const ada = after.find((m: any) => m.email === "ada@example.com");
  assert.deepEqual(ada.roles, ["member"]);

  const owner = after.find((m: any) => m.roles.includes("owner"));
  assert.equal((await call(emulator, "DELETE", `/api/v0/team/members/${owner.id}/`, { key, body: {} })).status, 400);
  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/team/members/${ada.id}/`, { key, body: {} })).body, {
    status: "success",
    message: "User removed from the team.",
  });
  const gone = await call(emulator, "DELETE", `/api/v0/team/members/${ada.id}/`, { key, body: {} });
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { status: "failure", message: "No user was removed from the team." });
});

test("a subaccount is a child user with its own key; emails are unique and checked", async (t) => {
  const emulator = await emulatorFor(t);
  const body = { email: "sub@example.com", username: "sub", password: "pw-123", host_only: false, parent_id: "me" };
  const created = await call(emulator, "POST", "/api/v0/users/", { body });
  assert.equal(created.status, 200);
  assert.deepEqual(Object.keys(created.body).sort(), ["email", "id", "key_id", "username"]);
  const listed = await call(emulator, "GET", "/api/v0/subaccounts?owner=me");
  assert.deepEqual(
    listed.body.users.map((u: any) => [u.id, u.parent_id, u.key_id]),
    [[created.body.id, 1, created.body.key_id]],
  );
  assert.ok(!listed.text.includes("pw-123"), "the password is write-only");
  const duplicate = await call(emulator, "POST", "/api/v0/users/", { body });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.body.error, "user_exists");
  const vast = await call(emulator, "POST", "/api/v0/users/", { body: { ...body, email: "x@vast.ai", username: "x" } });
  assert.equal(vast.body.error, "invalid_email");
});

test("the documented rate limit of the API-key list applies per key", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await call(emulator, "GET", "/api/v0/auth/apikeys/", { key: API_KEY }));
  const limited = answers.find((a) => a.status === 429);
  assert.ok(limited, `statuses ${answers.map((a) => a.status).join(",")}`);
  assert.deepEqual(limited.body, { detail: "API requests too frequent endpoint threshold=1.0" });
});

test("keys, teams and roles survive a restart on the state file, which holds no key in plaintext", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vast-emulator-teams-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const statePath = join(dir, "state.sqlite");
  const first = await startEmulator({ apiKey: API_KEY, statePath, rateLimits: false });
  const { key } = await personalKey(first);
  await call(first, "POST", "/api/v0/team/", { key, body: { team_name: "durable" } });
  await call(first, "POST", "/api/v0/team/roles/", { key, body: { name: "dev", permissions } });
  await first.close();
  const text = readFileSync(statePath).toString("latin1");
  assert.ok(!text.includes(key) && !text.includes(API_KEY), "only hashes of keys are stored");

  // Restarted with another configured key: that key is key 1 now, and the old one is refused.
  const second = await startEmulator({ apiKey: "another-configured-key", statePath, rateLimits: false });
  t.after(() => second.close());
  assert.deepEqual(
    (await call(second, "GET", "/api/v0/team/roles-full/", { key })).body.map((r: any) => r.name),
    ["manager", "member", "dev"],
  );
  assert.equal((await call(second, "GET", "/api/v0/users/current", { key: "another-configured-key" })).body.id, 1);
  assert.equal((await call(second, "GET", "/api/v0/users/current")).status, 401);
});
