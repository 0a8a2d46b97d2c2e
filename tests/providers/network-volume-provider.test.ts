/**
 * The VastNetworkVolume provider methods against the emulator with its rate limits on, through its
 * faults on the network-volume routes: a refused (429) rent waits and succeeds, a rent whose answer
 * is lost is found again by its name, an account without the feature gets Vast's 403, and a
 * mounted volume's delete is refused until its instances are gone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastClient } from "../../providers/vast/client.ts";
import { VastErrorCode } from "../../providers/vast/errors.ts";
import * as networkVolume from "../../providers/vast/network-volume-provider.ts";
import type { VolumeInputs } from "../../providers/vast/volume-methods.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

async function checked(raw: Record<string, unknown>): Promise<VolumeInputs> {
  const result = await networkVolume.check({}, raw);
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as VolumeInputs;
}

test("a 429 on the rent is waited out; a rent whose answer is lost is found again by its name, once", { timeout: 60_000 }, async (t) => {
  const { emulator, settings } = await emulatorFor(t, { networkVolumes: true });
  const client = new VastClient({ apiUrl: emulator.url, apiKey: testApiKey });
  t.after(() => client.close());
  const tuned = { ...settings, tuning: { client: { createTimeoutMs: 300, minRetryDelayMs: 100 } } };

  emulator.setFaults({ rateLimit: { "PUT /api/v0/network_volumes": { next: 2 } } });
  const first = await networkVolume.create(tuned, await checked({ offer: { filter: {} }, sizeGb: 10, name: "after_429" }));
  assert.equal(emulator.stats().byEndpoint["PUT /api/v0/network_volumes"], 3, "two refusals, then the rent");

  emulator.setFaults({ slowAnswer: { "PUT /api/v0/network_volumes": { next: 1, ms: 1500 } } });
  const lost = await networkVolume.create(tuned, await checked({ offer: { filter: {} }, sizeGb: 10, name: "lost_answer" }));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(
    (await client.listVolumes("network_volume")).map((v) => [String(v.id), v.name]),
    [
      [first.id, "after_429"],
      [lost.id, "lost_answer"],
    ],
  );
});

test("without the feature on the account, the rent fails with Vast's 403 and nothing is recorded", async (t) => {
  const { settings } = await emulatorFor(t);
  await assert.rejects(networkVolume.create(settings, await checked({ offerId: 32000001 })), (error: Error & { status?: number }) => {
    assert.equal(error.status, 403);
    assert.match(error.message, /Network volumes are not enabled for this account/);
    return true;
  });
});

test(
  "a mounted network volume is not deleted while an instance uses it; once it is destroyed, the delete waits out Vast's release",
  { timeout: 60_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t, { networkVolumes: true });
    emulator.setTimings({ volumeReleaseMs: 2000 });
    const client = new VastClient({ apiUrl: emulator.url, apiKey: testApiKey });
    t.after(() => client.close());
    const created = await networkVolume.create(settings, await checked({ offer: { filter: {} }, sizeGb: 5 }));
    const clusterId = (created.outs as networkVolume.NetworkVolumeOutputs).clusterId;
    const [offer] = await client.searchOffers({ cluster_id: { eq: clusterId }, limit: 1 });
    const instanceId = await client.createInstance(offer!.id, {
      client_id: "me",
      image: "img",
      label: "mounts it",
      disk: 16,
      env: {},
      volume_info: { mount_path: "/data", create_new: false, volume_id: Number(created.id) },
    });
    await assert.rejects(networkVolume.remove(settings, created.id), { code: VastErrorCode.volumeInUse });
    await client.destroyInstance(instanceId);
    await assert.rejects(client.deleteVolume(Number(created.id)), { code: VastErrorCode.volumeInUse }, "still being released");
    await networkVolume.remove(settings, created.id);
    assert.deepEqual(await client.listVolumes("network_volume"), []);
  },
);
