/**
 * A bad input to a team, role, member, key or subaccount names the field and the rule in `check`,
 * before any request reaches Vast.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as apiKey from "../../providers/vast/api-key-provider.ts";
import * as subaccount from "../../providers/vast/subaccount-provider.ts";
import * as member from "../../providers/vast/team-member-provider.ts";
import * as role from "../../providers/vast/team-role-provider.ts";
import * as team from "../../providers/vast/team-provider.ts";

const cases: Array<
  [
    string,
    { check(o: unknown, n: Record<string, unknown>): Promise<{ failures?: Array<{ property: string; reason: string }> }> },
    Record<string, unknown>,
    string,
    RegExp,
  ]
> = [
  ["a team without a key of its own", team, { teamName: "t" }, "accountKey", /accountKey/],
  ["a team name with a slash", team, { teamName: "a/b", accountKey: "k" }, "teamName", /teamName: must be 1 to 64 letters/],
  ["negative credit", team, { teamName: "t", transferCredit: -1, accountKey: "k" }, "transferCredit", /at least 0/],
  ["a role named owner", role, { name: "owner", permissions: { api: {} } }, "name", /built-in role/],
  [
    "a misspelt permission category",
    role,
    { name: "dev", permissions: { api: { instance_reed: {} } } },
    "permissions",
    /permissions\.api: unknown permission category instance_reed: use misc, user_read/,
  ],
  [
    "a constraint without an operator",
    apiKey,
    { name: "k", permissions: { api: { misc: { "api.instance.request_logs": { constraints: { id: {} } } } } } },
    "permissions",
    /eq, lte or gte/,
  ],
  [
    "an endpoint key of the wrong form",
    apiKey,
    { name: "k", permissions: { api: { misc: { "instance.logs": {} } } } },
    "permissions",
    /api\.instance\.request_logs/,
  ],
  ["a member without an email address", member, { email: "ada", role: "member" }, "email", /email: must be an email address/],
  [
    "a subaccount with a Vast address",
    subaccount,
    { email: "me@vast.ai", username: "u", password: "p" },
    "email",
    /refuses its own addresses/,
  ],
  [
    "an over-long subaccount password",
    subaccount,
    { email: "a@b.co", username: "u", password: "x".repeat(257) },
    "password",
    /at most 256/,
  ],
];

for (const [what, kind, news, property, reason] of cases) {
  test(`check refuses ${what}, naming ${property}`, async () => {
    const { failures } = await kind.check({}, news);
    assert.ok(failures?.length, "a failure");
    assert.equal(failures[0]!.property, property);
    assert.match(failures[0]!.reason, reason);
  });
}
