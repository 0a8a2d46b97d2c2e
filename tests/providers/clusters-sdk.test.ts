/**
 * VastCluster, VastClusterMember, VastOverlay and VastOverlayMember beside the official `vastai`
 * package. Its CLI registers no cluster or overlay command (vast-api-more.md §1), so the package's
 * SDK (`VastAI.create_cluster` …) is driven instead, from the same pinned install: each side sees
 * what the other made and notices the other's deletes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import * as cluster from "../../providers/vast/cluster-provider.ts";
import * as overlay from "../../providers/vast/overlay-provider.ts";
import { API_KEY, cheapestOffer, emulatorFor, rent } from "../emulator/_utils.ts";

const run = promisify(execFile);
const python = join(dirname(process.env["VASTAI_BIN"] ?? join(homedir(), ".cache/vast-kit/vastai-venv/bin/vastai")), "python");

/** Runs `VastAI(...).<method>(*args)` from the pinned package against the emulator and returns its JSON answer. */
async function sdk(url: string, method: string, ...args: unknown[]): Promise<any> {
  const script = `import json, sys\nfrom vastai import VastAI\nv = VastAI(api_key=sys.argv[1], server_url=sys.argv[2])\nprint(json.dumps(getattr(v, sys.argv[3])(*json.loads(sys.argv[4]))))`;
  const { stdout } = await run(python, ["-c", script, API_KEY, url, method, JSON.stringify(args)], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: "/nonexistent", VASTAI_NO_UPDATE_CHECK: "1", CI: "true" },
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

async function checked<T>(
  kind: { check(o: unknown, n: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown }> },
  news: Record<string, unknown>,
): Promise<T> {
  const result = await kind.check({}, news);
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as T;
}

test(
  "the vastai SDK and the kit see each other's clusters and overlays, and notice each other's deletes",
  { timeout: 90_000 },
  async (t) => {
    const emulator = await emulatorFor(t);
    const settings = { apiUrl: emulator.url, apiKey: API_KEY };
    const a = await cheapestOffer(emulator);
    const b = await cheapestOffer(emulator, { machine_id: { neq: a.machine_id } });

    // Made by the SDK, read by the kit (which finds it by id after the SDK's id-less answer).
    const answer = await sdk(emulator.url, "create_cluster", "10.9.0.0/24", a.machine_id);
    assert.ok(typeof answer.msg === "string", "the create answers only a message");
    const sdkId = Number(Object.keys((await sdk(emulator.url, "show_clusters")).clusters)[0]);
    const sdkCluster = await checked<cluster.ClusterInputs>(cluster, { subnet: "10.9.0.0/24", managerId: a.machine_id });
    const seen = await cluster.read(settings, String(sdkId), { ...sdkCluster, clusterId: sdkId, machineIds: [] });
    assert.deepEqual((seen.props as cluster.ClusterOutputs).machineIds, [a.machine_id]);
    // The kit refuses to make a second cluster on a subnet in use, rather than adopt the SDK's.
    await assert.rejects(cluster.create(settings, sdkCluster), /subnet: cluster \d+ already uses 10\.9\.0\.0\/24/);

    // Made by the kit, seen by the SDK; a member machine joins, and the SDK sees it.
    const kit = await cluster.create(settings, await checked(cluster, { subnet: "10.8.0.0/24", managerId: b.machine_id }));
    const member = await cluster.createMember(
      settings,
      await checked<cluster.ClusterMemberInputs>({ check: cluster.checkMember }, { clusterId: Number(kit.id), machineId: a.machine_id }),
    );
    assert.equal(member.id, `${kit.id}/${a.machine_id}`);
    const shown = (await sdk(emulator.url, "show_clusters")).clusters[kit.id];
    assert.deepEqual(shown.nodes.map((n: any) => n.machine_id).sort(), [a.machine_id, b.machine_id].sort());

    // Overlays: the kit's overlay is joined by the SDK; the kit's member resource sees the SDK's join.
    const ov = await overlay.create(settings, await checked(overlay, { clusterId: Number(kit.id), name: "kit-ov" }));
    const instance = await rent(emulator, a.id);
    await sdk(emulator.url, "join_overlay", "kit-ov", instance);
    const joined = await overlay.readMember(settings, `${ov.id}/${instance}`, { overlayName: "kit-ov", instanceId: instance });
    assert.equal(joined.id, `${ov.id}/${instance}`);
    assert.deepEqual(
      ((await overlay.read(settings, ov.id, ov.outs as overlay.OverlayOutputs)).props as overlay.OverlayOutputs).instanceIds,
      [instance],
    );
    await sdk(emulator.url, "create_overlay", Number(kit.id), "sdk-ov");
    assert.deepEqual(
      (await sdk(emulator.url, "show_overlays")).map((o: any) => o.name),
      ["kit-ov", "sdk-ov"],
    );

    // Deletes: the SDK's overlay delete by name and machine removal are noticed by the kit's reads.
    await sdk(emulator.url, "delete_overlay", "kit-ov");
    assert.deepEqual(await overlay.read(settings, ov.id, ov.outs as overlay.OverlayOutputs), { id: "" });
    assert.deepEqual(await overlay.readMember(settings, `${ov.id}/${instance}`, { overlayName: "kit-ov", instanceId: instance }), {
      id: "",
    });
    await sdk(emulator.url, "remove_machine_from_cluster", Number(kit.id), a.machine_id);
    assert.deepEqual(await cluster.readMember(settings, member.id, { clusterId: Number(kit.id), machineId: a.machine_id }), { id: "" });
    // And the kit's deletes are seen by the SDK.
    await cluster.remove(settings, kit.id, kit.outs as cluster.ClusterOutputs);
    await cluster.remove(settings, String(sdkId), { ...sdkCluster, clusterId: sdkId, machineIds: [] });
    assert.deepEqual(await sdk(emulator.url, "show_clusters"), { clusters: {} });
    assert.deepEqual(await sdk(emulator.url, "show_overlays"), [], "a cluster's overlays go with it");
  },
);
