/**
 * Adoption through the real Pulumi engine: an instance, a template and a volume made outside the
 * stack are taken over by `adoptId` (nothing is created), an unchanged `up` changes nothing, label
 * and template edits apply in place, and `destroy` with `retainOnDelete` lets all three go.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "adoption-engine-key-2b9e";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastInstance, VastTemplate, VastVolume } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const label = config.get("label");
const description = config.get("description");
const instance = new VastInstance("worker", { adoptId: config.requireNumber("instanceId"), ...(label ? { label } : {}) }, { retainOnDelete: true });
const template = new VastTemplate(
  "base",
  { adoptId: config.requireNumber("templateId"), name: "made_elsewhere", image: "registry.example/img:1", ...(description ? { description } : {}) },
  { retainOnDelete: true },
);
const volume = new VastVolume("data", { adoptId: config.requireNumber("volumeId") }, { retainOnDelete: true });

export const instanceId = instance.instanceId;
export const instanceLabel = instance.label;
export const instanceTag = instance.tag;
export const templateId = template.templateId;
export const hashId = template.hashId;
export const volumeId = volume.volumeId;
export const volumeSize = volume.diskSpaceGb;
`;

test(
  "an instance, a template and a volume made elsewhere are adopted without creating anything, kept unchanged by a no-op up, edited in place, and let go by destroy",
  { timeout: 240_000 },
  async (t) => {
    const emulator = await startEmulator({
      apiKey,
      timings: { schedulingMs: 50, loadingMs: 150, stoppingMs: 50, startingMs: 50, rebootMs: 50 },
    });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());

    // Made outside the stack, as with the console or the CLI.
    const [offer] = await client.searchOffers({ rentable: { eq: true }, limit: 1 });
    const instanceId = await client.createInstance(offer!.id, {
      client_id: "me",
      image: "img",
      label: "made elsewhere",
      disk: 16,
      env: {},
    });
    const template = await client.createTemplate({
      name: "made_elsewhere",
      image: "registry.example/img:1",
      env: "",
      runtype: "ssh",
      ssh_direct: true,
      jup_direct: false,
      use_ssh: true,
      use_jupyter_lab: false,
      recommended_disk_space: 16,
      private: true,
    });
    const [volumeOffer] = await client.searchVolumeOffers({ limit: 1 });
    const volumeId = await client.createVolume({ id: volumeOffer!.id, size: 12, name: "made_elsewhere" });
    emulator.resetStats();

    const { pulumi, outputs, config } = await programStack(t, "adoption-test", program, { VAST_API_KEY: apiKey });
    await config({
      "vast:apiUrl": emulator.url,
      instanceId: String(instanceId),
      templateId: String(template.id),
      volumeId: String(volumeId),
    });
    await pulumi("up", "--yes");
    const created = emulator.stats().byEndpoint;
    for (const endpoint of ["PUT /api/v0/asks/:id", "POST /api/v0/template", "PUT /api/v0/volumes"])
      assert.equal(created[endpoint], undefined, `adopting made no ${endpoint} call`);
    const first = await outputs();
    assert.deepEqual(
      [first.instanceId, first.instanceLabel, first.instanceTag, first.templateId, first.volumeId, first.volumeSize],
      [instanceId, "made elsewhere", null, template.id, volumeId, 12],
      "the adopted objects keep their ids, label and size; the instance gets no tag",
    );
    await pulumi("up", "--yes", "--expect-no-changes");

    // Label and template edits apply in place: same ids, the label exactly as given.
    await config({ label: "renamed", description: "adopted and edited" });
    assert.match(await pulumi("up", "--yes"), /2 updated/);
    const second = await outputs();
    assert.deepEqual([second.instanceId, second.templateId], [instanceId, template.id]);
    assert.notEqual(second.hashId, first.hashId);
    assert.equal((await client.getInstance(instanceId))?.label, "renamed");
    await pulumi("up", "--yes", "--expect-no-changes");

    await pulumi("destroy", "--yes");
    assert.equal((await client.getInstance(instanceId))?.actual_status, "running", "the instance is let go, still running");
    assert.equal((await client.findTemplate(template.id))?.hash_id, second.hashId, "the template is let go as edited");
    assert.deepEqual(
      (await client.listVolumes()).map((v) => v.id),
      [volumeId],
      "the volume is let go",
    );
  },
);
