/**
 * Finding the instances a stack rented but does not hold, against the emulator: only live
 * instances tagged for that project and stack and missing from its state; never an untagged
 * instance, another stack's or another project's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VastClient } from "../../providers/vast/client.ts";
import { instanceTag } from "../../providers/vast/instance-tag.ts";
import { findUntrackedInstances } from "../../providers/vast/sweep.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

test("the sweep finds this stack's tagged instances its state lacks, and nothing else", async (t) => {
  const { settings } = await emulatorFor(t);
  const client = new VastClient({ apiUrl: settings.apiUrl!, apiKey: testApiKey });
  t.after(() => client.close());
  const offers = await client.searchOffers({ order: [["dph_total", "asc"]], limit: 6 });
  const rent = (i: number, label: string) =>
    client.createInstance(offers[i]!.id, { client_id: "me", image: "img", label, disk: 16, env: {} });
  const tracked = await rent(0, instanceTag({ project: "kit", stack: "prod", resource: "fleet-0" }, "0000aaaa"));
  const orphan = await rent(1, `my label ${instanceTag({ project: "kit", stack: "prod", resource: "fleet 1" }, "0000bbbb")}`);
  await rent(2, instanceTag({ project: "kit", stack: "dev", resource: "fleet-0" }, "0000cccc"));
  await rent(3, instanceTag({ project: "other", stack: "prod", resource: "fleet-0" }, "0000dddd"));
  await rent(4, "hand-made, vk:kit/prod/fleet-9 in the middle");
  await rent(5, "");

  const found = await findUntrackedInstances(client, { project: "kit", stack: "prod" }, new Set([tracked]));
  assert.deepEqual(
    found.map((i) => ({ id: i.id, resource: i.resource })),
    [{ id: orphan, resource: "fleet 1" }],
  );
  assert.equal(found[0]!.tag, "vk:kit/prod/fleet%201#0000bbbb");
  assert.ok(found[0]!.dphTotal! > 0);
});
