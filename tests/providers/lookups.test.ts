/** The lookups against the emulator over real HTTP: each returns its documented shape; bad arguments fail before any request. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { VastClient } from "../../providers/vast/client.ts";
import { VastErrorCode } from "../../providers/vast/errors.ts";
import {
  getCurrentUser,
  getGpuOffers,
  getInstances,
  getNetworkVolumeOffers,
  getSshKeys,
  getTemplates,
  getVolumeOffers,
} from "../../providers/vast/index.ts";
import { emulatorFor } from "./_emulator.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

test("offer lookups use the instance's and the volume's queries: filters, price cap, order and limit hold", async (t) => {
  const { settings } = await emulatorFor(t);
  const gpu = await valueOf(getGpuOffers({ filter: { num_gpus: { gte: 2 } }, maxPricePerHour: 5, limit: 7 }, settings));
  assert.ok(gpu.length > 0 && gpu.length <= 7);
  for (const offer of gpu) {
    assert.ok((offer.num_gpus ?? 0) >= 2 && (offer.dph_total ?? Infinity) <= 5, JSON.stringify(offer));
    assert.equal(offer["verified"], true);
  }
  assert.deepEqual(
    gpu.map((o) => o.dph_total),
    [...gpu.map((o) => o.dph_total)].sort((a, b) => a! - b!),
  );

  const volumes = await valueOf(getVolumeOffers({ filter: {}, sizeGb: 50, limit: 5 }, settings));
  assert.ok(volumes.length > 0 && volumes.length <= 5);
  for (const offer of volumes) assert.ok((offer.disk_space ?? 0) >= 50 && typeof offer.storage_cost === "number", JSON.stringify(offer));
  const scores = volumes.map((o) => o["score"] as number);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
});

test("instance, template, SSH key and account lookups find what the account holds", async (t) => {
  const { settings } = await emulatorFor(t);
  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  const [offer] = await client.searchOffers({ limit: 2 });
  const instanceId = await client.createInstance(offer!.id, { client_id: "me", image: "busybox", label: "lookup-me", disk: 10, env: {} });
  const template = await client.createTemplate({
    name: "looked_up",
    image: "busybox",
    env: "",
    runtype: "ssh",
    ssh_direct: true,
    jup_direct: false,
    use_ssh: true,
    use_jupyter_lab: false,
    private: true,
  });
  await client.createSshKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKitLi0sZ2hvc3Q lookup@test");

  const byLabel = await valueOf(getInstances({ label: "lookup-me" }, settings));
  assert.deepEqual(
    byLabel.map((i) => [i.id, i.label]),
    [[instanceId, "lookup-me"]],
  );
  assert.deepEqual(await valueOf(getInstances({ label: "nobody" }, settings)), []);
  assert.equal((await valueOf(getInstances({ filter: { id: { eq: instanceId } } }, settings)))[0]?.id, instanceId);

  for (const by of [{ id: template.id }, { hashId: template.hash_id }, { name: "looked_up" }]) {
    assert.deepEqual(
      (await valueOf(getTemplates(by, settings))).map((x) => x.id),
      [template.id],
      JSON.stringify(by),
    );
  }
  assert.deepEqual(await valueOf(getTemplates({ name: "absent" }, settings)), []);

  const keys = await valueOf(getSshKeys(settings));
  assert.equal(keys.length, 1);
  assert.match(keys[0]!.key ?? keys[0]!.public_key ?? "", /lookup@test/);

  const account = await valueOf(getCurrentUser(settings));
  assert.equal(typeof account.id, "number");
  assert.equal(typeof account.credit, "number");
  assert.ok("balance" in account);
  assert.ok(!JSON.stringify(account).includes(settings.apiKey!), "the account never carries the key");
});

test("a bad filter or missing lookup field fails at the call with VAST_INVALID_INPUT naming the field", () => {
  const settings = { apiUrl: "http://127.0.0.1:1", apiKey: "k" };
  const invalid = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (error: Error & { code?: string }) => {
      assert.equal(error.code, VastErrorCode.invalidInput);
      assert.match(error.message, pattern);
      return true;
    });
  invalid(
    () => getGpuOffers({ filter: { gpu_name: { like: "RTX" } as never } }, settings),
    /getGpuOffers: .*Unrecognized key: "like"[\s\S]*filter\.gpu_name/,
  );
  invalid(() => getGpuOffers({ filter: {}, limit: 100 }, settings), /limit/);
  invalid(() => getVolumeOffers({ filter: { disk_space: 50 as never } }, settings), /filter\.disk_space/);
  invalid(() => getNetworkVolumeOffers({ filter: {}, sizeGb: 0.5 }, settings), /getNetworkVolumeOffers: [\s\S]*sizeGb/);
  invalid(() => getInstances({ filter: { actual_status: "running" as never } }, settings), /filter\.actual_status/);
  invalid(() => getTemplates({}, settings), /give at least one of id, hashId or name/);
  invalid(() => getTemplates({ hashId: "nope" }, settings), /hashId[\s\S]*32-hex-digit|32-hex-digit[\s\S]*hashId/);
});

test("without explicit settings a lookup reads vast:apiUrl and vast:apiKey from stack config", async (t) => {
  const { settings } = await emulatorFor(t);
  const saved = process.env.PULUMI_CONFIG;
  process.env.PULUMI_CONFIG = JSON.stringify({ "vast:apiUrl": settings.apiUrl, "vast:apiKey": settings.apiKey });
  t.after(() => {
    if (saved === undefined) delete process.env.PULUMI_CONFIG;
    else process.env.PULUMI_CONFIG = saved;
  });
  assert.equal(typeof (await valueOf(getCurrentUser())).id, "number");
});
