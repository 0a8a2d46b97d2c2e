/** VastVolume provider methods against the emulator over real HTTP. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastClient } from "../../providers/vast/client.ts";
import { VastErrorCode } from "../../providers/vast/errors.ts";
import * as volume from "../../providers/vast/volume-provider.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

async function checked(news: Record<string, unknown>): Promise<volume.VolumeInputs> {
  const result = await volume.check({}, news);
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as volume.VolumeInputs;
}

test("a volume rented from a search is recorded, read, noticed gone after an out-of-band delete, and deleted twice", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = await checked({ sizeGb: 20, name: "data_1", offer: { filter: { geolocation: { neq: "nowhere" } } } });
  const created = await volume.create(settings, inputs);
  const outs = created.outs as volume.VolumeOutputs;
  assert.equal(created.id, String(outs.volumeId));
  assert.equal(outs.diskSpaceGb, 20);
  assert.equal(outs.status, "available");
  assert.equal(typeof outs.volumeOfferId, "number");
  assert.equal(typeof outs.machineId, "number");

  const read = await volume.read(settings, created.id, outs);
  assert.equal(read.id, created.id);
  assert.deepEqual(read.props, outs);

  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  await client.deleteVolume(outs.volumeId);
  assert.deepEqual(await volume.read(settings, created.id, outs), { id: "" });
  await volume.remove(settings, created.id);
  await volume.remove(settings, created.id);
});

test("size, name and offer changes replace; adopting another volume replaces", async () => {
  const olds = {
    sizeGb: 15,
    offerId: 7,
    volumeId: 301,
    machineId: 1,
    diskSpaceGb: 15,
    status: "available",
    instanceIds: [],
  } satisfies volume.VolumeOutputs;
  assert.deepEqual((await volume.diff("301", olds, { sizeGb: 30, offerId: 7 })).replaces, ["sizeGb"]);
  assert.deepEqual((await volume.diff("301", olds, { sizeGb: 15, offerId: 8, name: "x" })).replaces, ["name", "offerId"]);
  assert.deepEqual(await volume.diff("301", olds, { sizeGb: 15, offerId: 7 }), {
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual((await volume.diff("301", { ...olds, adoptId: 301 }, { adoptId: 302 })).replaces, ["adoptId"]);
});

test("bad inputs name the field and the rule", async () => {
  const reasons = async (news: Record<string, unknown>) =>
    ((await volume.check({}, news)).failures ?? []).map((f) => `${f.property}: ${f.reason}`).join("\n");
  assert.match(await reasons({ offerId: 1, name: "has space" }), /^name: name: must be letters, digits and underscores/);
  assert.match(await reasons({ sizeGb: 1.5, offerId: 1 }), /sizeGb.*whole number/);
  assert.match(await reasons({}), /offer: .*set exactly one of offerId, offer or adoptId \(got none\)/);
  assert.match(await reasons({ offerId: 1, adoptId: 2 }), /adoptId: .*got offerId and adoptId/);
});

test("an adopted volume is taken over without renting and kept when its predecessor is deleted; an unknown id is refused", async (t) => {
  const { settings } = await emulatorFor(t);
  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  const [offer] = await client.searchVolumeOffers({ order: [["id", "asc"]], limit: 1 });
  const volumeId = await client.createVolume({ id: offer!.id, size: 10, name: "existing" });

  const adopted = await volume.create(settings, await checked({ adoptId: volumeId }));
  assert.equal(adopted.id, String(volumeId));
  assert.equal((adopted.outs as volume.VolumeOutputs).diskSpaceGb, 10);
  assert.equal((await client.listVolumes()).length, 1);
  // `up --replace`: the new resource adopted the volume, so deleting the old one must leave it.
  await volume.remove(settings, adopted.id);
  assert.deepEqual(
    (await client.listVolumes()).map((v) => v.id),
    [volumeId],
  );
  await assert.rejects(volume.create(settings, await checked({ adoptId: 999_999 })), { code: VastErrorCode.notFound });
});

test("setting adoptId to the volume held updates in place; sizeGb and name are refused beside it", async () => {
  const olds = {
    offerId: 7,
    sizeGb: 20,
    volumeId: 301,
    machineId: 1,
    diskSpaceGb: 20,
    status: "available",
    instanceIds: [],
  } satisfies volume.VolumeOutputs;
  assert.deepEqual(await volume.diff("301", olds, { adoptId: 301 }), { changes: true, replaces: [], deleteBeforeReplace: false });
  const outs = (await volume.update({}, "301", olds, { adoptId: 301 })).outs as volume.VolumeOutputs;
  assert.deepEqual(outs, { adoptId: 301, volumeId: 301, machineId: 1, diskSpaceGb: 20, status: "available", instanceIds: [] });
  assert.deepEqual((await volume.diff("301", outs, { offerId: 7 })).replaces, ["offerId"]);
  const failures = (await volume.check({}, { adoptId: 301, sizeGb: 20, name: "x" })).failures ?? [];
  assert.deepEqual(
    failures.map((f) => f.property),
    ["sizeGb", "name"],
  );
  assert.match(failures[0]!.reason, /an adopted volume keeps its own size and name/);
});

test("a volume attached to an instance is not deleted, and the error says why and what to do", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  const [offer] = await client.searchVolumeOffers({ order: [["id", "asc"]], limit: 1 });
  const rented = await volume.create(settings, await checked({ offerId: offer!.id, sizeGb: 10 }));

  // Attach it to an instance on its machine, as `vastai create instance --link-volume` does (vast-api-more.md §2.1).
  const [gpuOffer] = await client.searchOffers({ machine_id: { eq: offer!.machine_id }, limit: 1 });
  const rent = await fetch(`${emulator.url}/api/v0/asks/${gpuOffer!.id}/`, {
    method: "PUT",
    headers: { authorization: `Bearer ${testApiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_id: "me",
      image: "busybox",
      disk: 10,
      label: "holder",
      volume_info: { mount_path: "/data", create_new: false, volume_id: Number(rented.id) },
    }),
  });
  assert.equal(rent.status, 200, await rent.clone().text());
  await assert.rejects(volume.remove(settings, rented.id), (error: Error & { code?: string }) => {
    assert.equal(error.code, VastErrorCode.volumeInUse);
    assert.match(error.message, new RegExp(`volume ${rented.id} is attached to an instance.*destroy the instance first`));
    return true;
  });
});

test("a rent whose answer is lost is found again by its name (an older namesake is not it); without a name nothing more is rented and the error says so", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  const tuned = { ...settings, tuning: { client: { createTimeoutMs: 300 } } };
  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  const [offer] = await client.searchVolumeOffers({ order: [["id", "asc"]], limit: 1 });
  const namesake = await client.createVolume({ id: offer!.id, size: 5, name: "lost_answer" });

  emulator.setFaults({ slowAnswer: { "PUT /api/v0/volumes": { next: 1, ms: 1500 } } });
  const created = await volume.create(tuned, await checked({ offerId: offer!.id, sizeGb: 5, name: "lost_answer" }));
  assert.notEqual(created.id, String(namesake), "an older volume of the same name is not taken for the lost one");
  assert.deepEqual(
    (await client.listVolumes()).map((v) => String(v.id)),
    [String(namesake), created.id],
  );

  emulator.setFaults({ slowAnswer: { "PUT /api/v0/volumes": { next: 1, ms: 1500 } } });
  await assert.rejects(volume.create(tuned, await checked({ offerId: offer!.id, sizeGb: 5 })), (error: Error & { code?: string }) => {
    assert.equal(error.code, VastErrorCode.outcomeUnknown);
    assert.match(error.message, /the volume has no name to look for: check `vastai show volumes`/);
    return true;
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal((await client.listVolumes()).length, 3, "the lost rent happened once, and nothing else was rented");
});
