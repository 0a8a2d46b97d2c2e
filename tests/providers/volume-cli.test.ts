/** VastVolume and getVolumeOffers beside the official vastai CLI: each sees what the other made. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { getVolumeOffers } from "../../providers/vast/index.ts";
import * as volume from "../../providers/vast/volume-provider.ts";
import { vastaiCli } from "../_support/vastai.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

test(
  "the CLI and the kit search the same volume offers, the kit adopts the CLI's volume, the CLI sees the kit's, and the kit notices the CLI's deletes",
  { timeout: 60_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t);
    const { raw } = vastaiCli(t, emulator.url, testApiKey);

    const cliOffers: Array<{ id: number }> = await raw("search", "volumes", "disk_space>50");
    const kitOffers = await valueOf(getVolumeOffers({ filter: { disk_space: { gt: 50 } }, limit: 64 }, settings));
    assert.ok(cliOffers.length > 0);
    assert.deepEqual(
      kitOffers.map((o) => o.id),
      cliOffers.map((o) => o.id),
      "the same defaults and order as `vastai search volumes`",
    );

    // Made by the CLI, adopted by the kit without renting.
    await raw("create", "volume", String(cliOffers[0]!.id), "-s", "10", "-n", "cli_vol");
    const [cliVolume] = (await raw("show", "volumes")) as Array<{ id: number }>;
    const adopted = await volume.create(settings, (await volume.check({}, { adoptId: cliVolume!.id })).inputs as volume.VolumeInputs);
    assert.equal((adopted.outs as volume.VolumeOutputs).diskSpaceGb, 10);

    // Made by the kit, seen and deleted by the CLI; the kit's refresh notices.
    const rented = await volume.create(
      settings,
      (await volume.check({}, { offerId: cliOffers[1]!.id, sizeGb: 20, name: "kit_vol" })).inputs as volume.VolumeInputs,
    );
    const listed = (await raw("show", "volumes")) as Array<{ id: number; disk_space: number }>;
    assert.deepEqual(
      listed.map((v) => [v.id, v.disk_space]).sort(),
      [
        [cliVolume!.id, 10],
        [Number(rented.id), 20],
      ].sort(),
    );
    await raw("delete", "volume", rented.id);
    assert.deepEqual(await volume.read(settings, rented.id, rented.outs as volume.VolumeOutputs), { id: "" });

    await raw("delete", "volume", adopted.id);
    assert.deepEqual(await volume.read(settings, adopted.id, adopted.outs as volume.VolumeOutputs), { id: "" });
    assert.deepEqual(await raw("show", "volumes"), []);
  },
);
