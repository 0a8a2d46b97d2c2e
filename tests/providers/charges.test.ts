/**
 * The charges lookup and the client's `listCharges` against the emulator over real HTTP: every page
 * is read, the amounts sum per instance to what the emulator bills for the rented time, and a bad
 * window fails at the call before any request.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { VastClient } from "../../providers/vast/client.ts";
import { VastErrorCode } from "../../providers/vast/errors.ts";
import { getCharges, spentPerInstance } from "../../providers/vast/index.ts";
import { emulatorFor } from "./_emulator.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

test("getCharges reads every page and spentPerInstance sums each instance's rented hours at its dph_total", async (t) => {
  const { emulator, settings } = await emulatorFor(t, { rateLimits: false });
  const client = new VastClient(settings as { apiUrl: string; apiKey: string });
  t.after(() => client.close());
  const offers = await client.searchOffers({ limit: 2, order: [["dph_total", "asc"]] });
  const ids = [];
  for (const offer of offers)
    ids.push(await client.createInstance(offer.id, { client_id: "me", image: "busybox", label: "c", disk: 10, env: {} }));
  const running = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const instance = await client.getInstance(id);
      if (instance?.actual_status === "running") return instance;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`instance ${id} never ran`);
  };
  const views = [await running(ids[0]!), await running(ids[1]!)];
  const since = Math.min(...views.map((v) => Number(v["start_date"])));
  const { now } = emulator.setClock({ frozen: true });
  const before = spentPerInstance(await valueOf(getCharges({ since, until: now / 1000, types: ["instance"] }, settings)));
  // 30 days later: about 60 daily rows, read in one page of 500, and 720 hours billed each.
  const { now: later } = emulator.setClock({ advanceMs: 30 * 86_400_000 });
  const rows = await client.listCharges(since, later / 1000);
  assert.ok(rows.length >= 60);
  const after = spentPerInstance(rows);
  assert.deepEqual([...after.keys()].sort(), [...ids].sort());
  for (const view of views) {
    const added = after.get(view.id)! - before.get(view.id)!;
    assert.ok(Math.abs(added - 720 * view.dph_total!) < 1e-4, `instance ${view.id}: $${added} for 720 h at $${view.dph_total}/h`);
  }
});

test("getCharges refuses a window that ends before it starts, or an unknown row type, before any request", () => {
  const settings = { apiUrl: "http://127.0.0.1:1", apiKey: "k" };
  for (const [lookup, pattern] of [
    [{ since: 100, until: 50 }, /until[\s\S]*must not be before since|must not be before since[\s\S]*until/],
    [{ since: 0, types: ["gpu"] }, /types/],
    [{ since: -1 }, /since/],
  ] as const) {
    assert.throws(
      () => getCharges(lookup as never, settings),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, VastErrorCode.invalidInput);
        assert.match(error.message, pattern);
        return true;
      },
    );
  }
});
