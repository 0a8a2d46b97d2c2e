/**
 * `npm run cost` on the local stack program, up on the emulator: after two rented hours (the
 * emulator's clock moved forward, then frozen so two readings can agree) it prints each instance's
 * $/hour and what it has cost, its total spent equals the emulator's charges, its $/hour total
 * equals the sum of the instances' `dph_total` (and the stack's `pricePerHour` output), and the
 * table shows the same numbers.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/index.ts";
import { VastClient } from "../../providers/vast/client.ts";
import { type PulumiStack, pulumiStack, repoRoot } from "../_support/pulumi.ts";

const run = promisify(execFile);
const apiKey = "cost-engine-key-2b7d41";

async function npmCost(stack: PulumiStack, ...flags: string[]): Promise<string> {
  const { stdout } = await run(
    "npm",
    ["run", "--silent", "cost", "--", "--stack", stack.stack, "--config-file", stack.configFile, ...flags],
    {
      cwd: repoRoot,
      env: stack.env,
    },
  );
  return stdout;
}

test(
  "npm run cost: each instance's $/hour and spend, totals equal to the emulator's charges and dph_total",
  { timeout: 300_000 },
  async (t) => {
    const emulator = await startEmulator({ apiKey, timings: { schedulingMs: 100, loadingMs: 300 } });
    t.after(() => emulator.close());
    const client = new VastClient({ apiUrl: emulator.url, apiKey });
    t.after(() => client.close());
    const stack = await pulumiStack(
      t,
      { "vast:apiUrl": emulator.url, "vast-kit:image": "img:tag", "vast-kit:instanceCount": "2", "vast-kit:waitForPortal": "false" },
      { VAST_API_KEY: apiKey },
    );
    await stack.pulumi("up", "--yes");
    const outputs = await stack.outputs();
    emulator.setClock({ frozen: true, advanceMs: 2 * 3_600_000 });

    const cost = JSON.parse(await npmCost(stack, "--json"));
    const live = await client.listInstances();
    const charges = await client.listCharges(0, emulator.setClock({}).now / 1000);
    const charged = charges.reduce((sum, row) => sum + row.amount, 0);
    const dph = live.reduce((sum, instance) => sum + instance.dph_total!, 0);

    assert.equal(cost.stack, "test");
    assert.deepEqual(
      cost.instances.map((i: any) => [i.resource, i.instanceId, i.status]),
      [
        ["fleet-0", outputs.instanceIds[0], "running"],
        ["fleet-1", outputs.instanceIds[1], "running"],
      ],
    );
    assert.ok(Math.abs(cost.spent - charged) < 1e-9, `spent $${cost.spent} is what Vast charged, $${charged}`);
    assert.ok(cost.spent >= 2 * dph - 1e-6, "two hours and a little at the fleet's $/hour");
    assert.ok(Math.abs(cost.pricePerHour - dph) < 1e-9);
    assert.equal(outputs.pricePerHour, Math.round(dph * 10_000) / 10_000, "the stack exports the same total");
    for (const instance of cost.instances) {
      const rows = charges.filter((row) => row.source === `instance-${instance.instanceId}`);
      assert.ok(Math.abs(instance.spent - rows.reduce((sum, row) => sum + row.amount, 0)) < 1e-9);
      assert.equal(instance.pricePerHour, live.find((i) => i.id === instance.instanceId)!.dph_total);
    }

    const table = await npmCost(stack);
    assert.match(table, /^stack test: 2 instance\(s\); spent is from Vast's charges since /);
    for (const instance of cost.instances) {
      assert.match(
        table,
        new RegExp(
          `^${instance.resource}\\s+${instance.instanceId}\\s+running\\s+${instance.pricePerHour.toFixed(4)}\\s+\\$${instance.spent.toFixed(4)}$`,
          "m",
        ),
      );
    }
    assert.match(table, new RegExp(`^total\\s+${cost.pricePerHour.toFixed(4)}\\s+\\$${cost.spent.toFixed(4)}$`, "m"));

    emulator.setClock({ frozen: false });
    await stack.pulumi("destroy", "--yes");
  },
);
