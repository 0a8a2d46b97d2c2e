/** VastNetworkVolume and getNetworkVolumeOffers beside the official vastai CLI: each sees what the other made. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { getNetworkVolumeOffers } from "../../providers/vast/index.ts";
import * as networkVolume from "../../providers/vast/network-volume-provider.ts";
import type { VolumeInputs } from "../../providers/vast/volume-methods.ts";
import { vastaiCli } from "../_support/vastai.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

async function inputs(raw: Record<string, unknown>): Promise<VolumeInputs> {
  return (await networkVolume.check({}, raw)).inputs as VolumeInputs;
}

test(
  "the CLI and the kit search the same network-volume offers, the kit adopts the CLI's network volume, the CLI sees, mounts and deletes the kit's, and each notices the other's deletes",
  { timeout: 60_000 },
  async (t) => {
    const { emulator, settings } = await emulatorFor(t, { networkVolumes: true });
    const { raw, vastai } = vastaiCli(t, emulator.url, testApiKey);

    const cliOffers: Array<{ id: number; cluster_id: number }> = await raw("search", "network-volumes", "disk_space>1000");
    const kitOffers = await valueOf(getNetworkVolumeOffers({ filter: { disk_space: { gt: 1000 } }, limit: 64 }, settings));
    assert.ok(cliOffers.length >= 2);
    assert.deepEqual(
      kitOffers.map((o) => [o.id, o.cluster_id]),
      cliOffers.map((o) => [o.id, o.cluster_id]),
      "the same defaults and order as `vastai search network-volumes`",
    );

    // Made by the CLI, adopted by the kit without renting.
    const created = await vastai("create", "network-volume", String(cliOffers[0]!.id), "-s", "25", "-n", "cli_net");
    assert.match(created.stdout, /Created\./);
    const [cliVolume] = (await raw("show", "volumes", "-t", "network")) as Array<{ id: number; cluster_id: number }>;
    const adopted = await networkVolume.create(settings, await inputs({ adoptId: cliVolume!.id }));
    const adoptedOuts = adopted.outs as networkVolume.NetworkVolumeOutputs;
    assert.deepEqual([adoptedOuts.diskSpaceGb, adoptedOuts.clusterId], [25, cliOffers[0]!.cluster_id]);

    // Made by the kit from a search, seen and deleted by the CLI; the kit's refresh notices.
    const rented = await networkVolume.create(
      settings,
      await inputs({ offer: { filter: { cluster_id: { eq: cliOffers[1]!.cluster_id } } }, sizeGb: 40, name: "kit_net" }),
    );
    assert.equal((rented.outs as networkVolume.NetworkVolumeOutputs).volumeOfferId, cliOffers[1]!.id);
    const listed = (await raw("show", "volumes", "-t", "network")) as Array<{ id: number; disk_space: number; name: string }>;
    assert.deepEqual(
      listed.map((v) => [v.id, v.disk_space, v.name]),
      [
        [cliVolume!.id, 25, "cli_net"],
        [Number(rented.id), 40, "kit_net"],
      ],
    );
    assert.deepEqual(await raw("show", "volumes", "-t", "local"), [], "network volumes are not local ones");

    // An instance the CLI rents on the volume's cluster links the kit's volume; the kit's read sees it.
    const [gpu] = (await raw("search", "offers", `cluster_id=${cliOffers[1]!.cluster_id}`, "--limit", "1")) as Array<{ id: number }>;
    const linked = await raw("create", "instance", String(gpu!.id), "--image", "img", "--link-volume", rented.id, "--mount-path", "/data");
    const refreshed = await networkVolume.read(settings, rented.id, rented.outs as networkVolume.NetworkVolumeOutputs);
    assert.deepEqual((refreshed.props as networkVolume.NetworkVolumeOutputs).instanceIds, [linked.new_contract]);
    await vastai("destroy", "instance", String(linked.new_contract), "-y");
    await raw("delete", "volume", rented.id);
    assert.deepEqual(await networkVolume.read(settings, rented.id, rented.outs as networkVolume.NetworkVolumeOutputs), { id: "" });

    // Rented from a fixed offer and deleted by the kit, gone for the CLI; a second delete is done already.
    const fixed = await networkVolume.create(settings, await inputs({ offerId: cliOffers[0]!.id, sizeGb: 5 }));
    assert.deepEqual(
      ((await raw("show", "volumes", "-t", "network")) as Array<{ id: number }>).map((v) => v.id),
      [cliVolume!.id, Number(fixed.id)],
    );
    await networkVolume.remove(settings, fixed.id);
    await networkVolume.remove(settings, fixed.id);
    await raw("delete", "volume", adopted.id);
    assert.deepEqual(await raw("show", "volumes", "-t", "network"), []);
  },
);
