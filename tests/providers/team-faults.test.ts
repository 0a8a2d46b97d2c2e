/**
 * Creates Vast answers without an id, under the emulator's fault knobs: an answer lost after the
 * create took effect is settled by listing (never a second object), a create refused with a 5xx
 * before it did anything is sent again, and an API key whose answer was lost is named, not adopted.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import * as apiKey from "../../providers/vast/api-key-provider.ts";
import type { ProviderSettings } from "../../providers/vast/config.ts";
import * as overlay from "../../providers/vast/overlay-provider.ts";
import * as role from "../../providers/vast/team-role-provider.ts";
import * as team from "../../providers/vast/team-provider.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { createCluster, listApiKeys, listClusters, listOverlays, listTeamRoles } from "../../providers/vast/team-api.ts";
import { API_KEY, cheapestOffer, emulatorFor } from "../emulator/_utils.ts";

/** An emulator and provider settings whose client gives up on an answer after 400 ms. */
async function setup(t: TestContext) {
  const emulator = await emulatorFor(t);
  const settings: ProviderSettings = { apiUrl: emulator.url, apiKey: API_KEY, tuning: { client: { timeoutMs: 400, minRetryDelayMs: 50 } } };
  const client = new VastClient({ apiUrl: emulator.url, apiKey: API_KEY });
  t.after(() => client.close());
  return { emulator, settings, client };
}

async function ownerKey(settings: ProviderSettings): Promise<string> {
  const made = await apiKey.create(
    settings,
    (await apiKey.check({}, { name: "owner", permissions: { api: {} } })).inputs as apiKey.ApiKeyInputs,
  );
  return (made.outs as apiKey.ApiKeyOutputs).key;
}

test("a team and a role whose create answers are lost after they took effect are found, not made twice", async (t) => {
  const { emulator, settings } = await setup(t);
  const key = await ownerKey(settings);
  emulator.setFaults({ slowAnswer: { "POST /api/v0/team": { next: 1, ms: 1500 } } });
  const made = await team.create(settings, (await team.check({}, { teamName: "lost", accountKey: key })).inputs as team.TeamInputs);
  assert.equal(made.id, "lost");

  emulator.setFaults({ slowAnswer: { "POST /api/v0/team/roles": { next: 1, ms: 1500 } } });
  const inputs = (await role.check({}, { name: "dev", permissions: { api: { misc: {} } }, accountKey: key })).inputs as role.TeamRoleInputs;
  const created = await role.create(settings, inputs);
  const teamClient = new VastClient({ apiUrl: emulator.url, apiKey: key });
  t.after(() => teamClient.close());
  const named = (await listTeamRoles(teamClient))!.filter((r) => r.name === "dev");
  assert.deepEqual(
    named.map((r) => String(r.id)),
    [created.id],
  );
  assert.equal(emulator.stats().byEndpoint["POST /api/v0/team/roles"], 1, "the role was sent once");
});

test("an overlay refused with a 5xx before anything happened is sent again and made once", async (t) => {
  const { emulator, settings, client } = await setup(t);
  const machine = (await cheapestOffer(emulator)).machine_id;
  await createCluster(client, "10.4.0.0/24", machine);
  const clusterId = (await listClusters(client))[0]!.id;
  emulator.setFaults({ serverError: { "POST /api/v0/overlay": { next: 1, status: 502 } } });
  const made = await overlay.create(settings, (await overlay.check({}, { clusterId, name: "retry-ov" })).inputs as overlay.OverlayInputs);
  assert.deepEqual(
    (await listOverlays(client)).map((o) => String(o.overlay_id)),
    [made.id],
  );
  assert.equal(emulator.stats().byEndpoint["POST /api/v0/overlay"], 2);
});

test("an API key whose create answer is lost is named in the error, never adopted, and its secret appears nowhere", async (t) => {
  const { emulator, settings, client } = await setup(t);
  emulator.setFaults({ slowAnswer: { "POST /api/v0/auth/apikeys": { next: 1, ms: 1500 } } });
  const inputs = (await apiKey.check({}, { name: "lost-key", permissions: { api: {} } })).inputs as apiKey.ApiKeyInputs;
  const error = await apiKey.create(settings, inputs).then(
    () => assert.fail("the create succeeded"),
    (e: unknown) => e as { code: string; message: string },
  );
  const orphan = (await listApiKeys(client)).find((k) => k.name === "lost-key");
  assert.ok(orphan, "the key was made");
  assert.equal(error.code, "VAST_OUTCOME_UNKNOWN");
  assert.match(error.message, new RegExp(`key\\(s\\) ${orphan.id} of that name appeared`));
  assert.ok(!/[0-9a-f]{64}/.test(error.message), "no secret in the message");
});
