/**
 * `adoptId` on VastInstance and VastTemplate, the instance's `volume` and `whenOutbid` inputs, and
 * the outbid reading, against the emulator where Vast is asked: bad inputs name the field before
 * anything is created, an unknown id is refused without creating, and only another id replaces.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastClient } from "../../providers/vast/client.ts";
import { VastErrorCode } from "../../providers/vast/errors.ts";
import * as instance from "../../providers/vast/instance-provider.ts";
import type { InstanceOutputs } from "../../providers/vast/instance-provider.ts";
import type { InstanceInputs } from "../../providers/vast/instance-inputs.ts";
import { isOutbid, outbidDrift } from "../../providers/vast/outbid.ts";
import type { Instance } from "../../providers/vast/schemas.ts";
import * as template from "../../providers/vast/template-provider.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

const owner = { project: "p", stack: "s", resource: "r" };

async function reasons(raw: Record<string, unknown>): Promise<string> {
  return ((await instance.check({}, { owner, ...raw })).failures ?? []).map((f) => f.reason).join("\n");
}

test("instance inputs name the field and the rule: one of offer, offerId and adoptId; volume path; volume beside adoptId; whenOutbid", async () => {
  assert.match(await reasons({ adoptId: 5, offerId: 3 }), /offer: set exactly one of offer \(search criteria\), offerId and adoptId/);
  assert.match(
    await reasons({ offerId: 3, image: "img", volume: { volumeId: 1, mountPath: "data" } }),
    /volume\.mountPath: must be an absolute Linux path/,
  );
  assert.match(
    await reasons({ adoptId: 5, volume: { volumeId: 1, mountPath: "/data" } }),
    /volume: an adopted instance keeps the volumes it has/,
  );
  assert.match(await reasons({ offerId: 3, image: "img", whenOutbid: "sometimes" }), /whenOutbid/);
  assert.equal(await reasons({ adoptId: 5 }), "", "an adopted instance needs no image or offer");
});

test("adopting an unknown instance is refused without renting; only another adoptId replaces an adopted instance", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const inputs = (await instance.check({}, { owner, adoptId: 999 })).inputs as InstanceInputs;
  await assert.rejects(instance.create(settings, inputs), (error: { code: string; message: string }) => {
    assert.equal(error.code, VastErrorCode.notFound);
    assert.match(error.message, /adoptId: instance 999 is not among the account's instances/);
    return true;
  });
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], undefined);

  // Made elsewhere, then held by an adopting resource: inputs that would replace a rented instance do not.
  const client = new VastClient({ apiUrl: emulator.url, apiKey: testApiKey });
  t.after(() => client.close());
  const [offer] = await client.searchOffers({ limit: 1 });
  const id = await client.createInstance(offer!.id, { client_id: "me", image: "img", label: "theirs", disk: 16, env: {} });
  const held = { ...inputs, adoptId: id };
  const olds = { ...held, instanceId: id, label: "theirs", tag: null, offerId: null } as unknown as InstanceOutputs;
  const same = await instance.diff(String(id), olds, { ...held, image: "changed", diskGb: 64 }, settings);
  assert.deepEqual([same.replaces, same.changes], [[], false], "no replacement, and its own label is kept");
  const other = await instance.diff(String(id), olds, { ...held, adoptId: id + 1 }, settings);
  assert.deepEqual(other.replaces, ["adoptId"]);
});

test("a template adopted by its hash keeps its id and creates nothing; an unknown one is refused; only another template replaces", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const client = new VastClient({ apiUrl: emulator.url, apiKey: testApiKey });
  t.after(() => client.close());
  const inputs = (await template.check({}, { name: "t", image: "img:1" })).inputs as template.TemplateInputs;
  const existing = (await template.create(settings, inputs)).outs as template.TemplateOutputs;
  emulator.resetStats();

  const adopted = await template.create(settings, { ...inputs, adoptId: existing.hashId, description: "edited" });
  assert.equal(adopted.id, String(existing.templateId));
  assert.notEqual((adopted.outs as template.TemplateOutputs).hashId, existing.hashId, "edited to the inputs");
  assert.equal(emulator.stats().byEndpoint["POST /api/v0/template"], undefined);
  await assert.rejects(template.create(settings, { ...inputs, adoptId: 987654 }), { code: VastErrorCode.notFound });

  const outs = adopted.outs as template.TemplateOutputs;
  assert.deepEqual((await template.diff(adopted.id, outs, { ...inputs, adoptId: existing.templateId })).replaces, []);
  assert.deepEqual((await template.diff(adopted.id, outs, { ...inputs, adoptId: existing.templateId + 1 })).replaces, ["adoptId"]);
  assert.match((await template.check({}, { name: "t", image: "i", adoptId: "nothex" })).failures?.[0]?.reason ?? "", /adoptId/);
});

test("outbid means a bid instance that wants to run and lost its GPU; the policy says replace or wait", () => {
  const base = { id: 1, is_bid: true, intended_status: "running", cur_state: "stopped", actual_status: "exited" } as Instance;
  assert.equal(isOutbid(base), true);
  assert.equal(isOutbid({ ...base, is_bid: false }), false, "an on-demand instance is never outbid");
  assert.equal(isOutbid({ ...base, intended_status: "stopped" }), false, "stopped by its owner");
  assert.equal(isOutbid({ ...base, cur_state: "running" }), false, "crashed, not outbid");
  assert.equal(isOutbid({ ...base, actual_status: "running", cur_state: "running" }), false);
  assert.deepEqual(outbidDrift("replace").replaces, ["whenOutbid"]);
  assert.deepEqual(outbidDrift("wait").replaces, []);
});
