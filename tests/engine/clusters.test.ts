/**
 * VastCluster, VastClusterMember, VastOverlay and VastOverlayMember through the real Pulumi engine
 * against the emulator: up, no-op up, a rename that replaces the overlay and its membership (Vast
 * edits neither in place), refresh after an out-of-band overlay delete, and destroy leaving no
 * cluster and no overlay.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { VastClient } from "../../providers/vast/client.ts";
import { deleteOverlay, listClusters, listOverlays } from "../../providers/vast/team-api.ts";
import { API_KEY, cheapestOffer, emulatorFor, rent } from "../emulator/_utils.ts";
import { repoRoot, fileBackendEnv } from "../_support/pulumi.ts";

const run = promisify(execFile);

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastCluster, VastClusterMember, VastOverlay, VastOverlayMember } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const cluster = new VastCluster("cluster", { subnet: "10.7.0.0/24", managerId: config.requireNumber("managerId") });
new VastClusterMember("extra", { clusterId: cluster.clusterId, machineId: config.requireNumber("memberId") });
const overlay = new VastOverlay("ov", { clusterId: cluster.clusterId, name: config.require("overlayName") });
new VastOverlayMember("joined", { overlayName: overlay.name, instanceId: config.requireNumber("instanceId") });

export const clusterId = cluster.clusterId;
export const overlayId = overlay.overlayId;
`;

test(
  "clusters and overlays through the engine: up, no-op, rename replaces, refresh after an out-of-band delete, destroy",
  { timeout: 240_000 },
  async (t) => {
    const emulator = await emulatorFor(t);
    const client = new VastClient({ apiUrl: emulator.url, apiKey: API_KEY });
    t.after(() => client.close());
    const manager = await cheapestOffer(emulator);
    const extra = await cheapestOffer(emulator, { machine_id: { neq: manager.machine_id } });
    const instance = await rent(emulator, manager.id);

    const dir = await mkdtemp(join(tmpdir(), "vast-kit-clusters-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, "node_modules"));
    await symlink(repoRoot, join(dir, "node_modules", "vast-kit"));
    await symlink(join(repoRoot, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "clusters-test", private: true, type: "module" }));
    await writeFile(
      join(dir, "Pulumi.yaml"),
      "name: clusters-test\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n",
    );
    await writeFile(join(dir, "index.ts"), program);
    const env = fileBackendEnv(dir, "clusters", { VAST_API_KEY: API_KEY });
    const pulumi = async (...args: string[]) =>
      (
        await run("pulumi", [...args, "--stack", "dev", "--non-interactive", "--cwd", dir], { env, maxBuffer: 64 << 20 }).catch((e) => {
          throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
        })
      ).stdout;
    const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json"));
    await run("pulumi", ["stack", "init", "dev", "--non-interactive", "--cwd", dir], { env });
    await pulumi("config", "set", "vast:apiUrl", emulator.url);
    await pulumi("config", "set", "managerId", String(manager.machine_id));
    await pulumi("config", "set", "memberId", String(extra.machine_id));
    await pulumi("config", "set", "instanceId", String(instance));
    await pulumi("config", "set", "overlayName", "train-net");

    assert.match(await pulumi("up", "--yes"), /5 created/);
    const first = await outputs();
    const [made] = await listClusters(client);
    assert.equal(made?.id, first.clusterId);
    assert.deepEqual(made?.machineIds.sort(), [manager.machine_id, extra.machine_id].sort());
    assert.deepEqual(
      (await listOverlays(client)).map((o) => [o.overlay_id, o.name, o.instances]),
      [[first.overlayId, "train-net", [instance]]],
    );
    await pulumi("up", "--yes", "--expect-no-changes");

    await pulumi("config", "set", "overlayName", "train-net-2");
    assert.match(await pulumi("up", "--yes"), /2 replaced/);
    const renamed = await outputs();
    assert.notEqual(renamed.overlayId, first.overlayId);
    assert.deepEqual(
      (await listOverlays(client)).map((o) => [o.name, o.instances]),
      [["train-net-2", [instance]]],
    );

    await deleteOverlay(client, renamed.overlayId);
    assert.match(await pulumi("refresh", "--yes"), /2 deleted/, "the overlay and its membership leave the stack");
    assert.match(await pulumi("up", "--yes"), /2 created/);
    assert.deepEqual(
      (await listOverlays(client)).map((o) => [o.name, o.instances]),
      [["train-net-2", [instance]]],
    );

    await pulumi("destroy", "--yes");
    assert.deepEqual(await listClusters(client), []);
    assert.deepEqual(await listOverlays(client), []);
  },
);
