/**
 * Clusters and overlays in the emulator (vast-api-more.md §5): creates answer `{"msg"}` with no id,
 * the cluster list is a map keyed by id strings, the overlay list a bare array, and an instance
 * joins an overlay only from a machine of the overlay's cluster.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { vastaiCli } from "../_support/vastai.ts";
import { API_KEY, call, cheapestOffer, emulatorFor, rent } from "./_utils.ts";

test("a cluster is created without an id, found by subnet, grows, and keeps its manager", async (t) => {
  const emulator = await emulatorFor(t);
  const a = await cheapestOffer(emulator);
  const b = await cheapestOffer(emulator, { machine_id: { neq: a.machine_id } });
  const created = await call(emulator, "POST", "/api/v0/cluster/", { body: { subnet: "10.0.0.0/24", manager_id: a.machine_id } });
  assert.deepEqual(Object.keys(created.body).sort(), ["msg", "success"]);
  const listed = (await call(emulator, "GET", "/api/v0/clusters/")).body.clusters;
  const [id] = Object.keys(listed);
  assert.match(id!, /^\d+$/);
  assert.deepEqual(listed[id!], {
    subnet: "10.0.0.0/24",
    nodes: [{ machine_id: a.machine_id, is_cluster_manager: true, local_ip: "10.0.0.1" }],
  });
  assert.equal(
    (await call(emulator, "POST", "/api/v0/cluster/", { body: { subnet: "10.0.0.0/24", manager_id: a.machine_id } })).status,
    400,
  );
  assert.equal(
    (await call(emulator, "POST", "/api/v0/cluster/", { body: { subnet: "10.1.0.0/24", manager_id: 999_999_999 } })).status,
    404,
  );

  await call(emulator, "PUT", "/api/v0/cluster/", { body: { cluster_id: Number(id), machine_ids: [b.machine_id] } });
  const grown = (await call(emulator, "GET", "/api/v0/clusters/")).body.clusters[id!];
  assert.deepEqual(
    grown.nodes.map((n: any) => [n.machine_id, n.is_cluster_manager]),
    [
      [a.machine_id, true],
      [b.machine_id, false],
    ].sort((x, y) => Number(x[0]) - Number(y[0])),
  );
  const noSuccessor = await call(emulator, "DELETE", "/api/v0/cluster/remove_machine/", {
    body: { cluster_id: Number(id), machine_id: a.machine_id },
  });
  assert.equal(noSuccessor.status, 400);
  await call(emulator, "DELETE", "/api/v0/cluster/remove_machine/", {
    body: { cluster_id: Number(id), machine_id: a.machine_id, new_manager_id: b.machine_id },
  });
  assert.deepEqual((await call(emulator, "GET", "/api/v0/clusters/")).body.clusters[id!].nodes, [
    { machine_id: b.machine_id, is_cluster_manager: true, local_ip: "10.0.0.2" },
  ]);
  assert.equal((await call(emulator, "DELETE", "/api/v0/cluster/", { body: { cluster_id: Number(id) } })).status, 200);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/clusters/")).body, { clusters: {} });
});

test("an instance joins an overlay only from a machine of its cluster, and leaves it when destroyed", async (t) => {
  const emulator = await emulatorFor(t);
  const inside = await cheapestOffer(emulator);
  const outside = await cheapestOffer(emulator, { machine_id: { neq: inside.machine_id } });
  await call(emulator, "POST", "/api/v0/cluster/", { body: { subnet: "10.2.0.0/24", manager_id: inside.machine_id } });
  const clusterId = Number(Object.keys((await call(emulator, "GET", "/api/v0/clusters/")).body.clusters)[0]);
  const created = await call(emulator, "POST", "/api/v0/overlay/", { body: { cluster_id: clusterId, name: "ov" } });
  assert.deepEqual(Object.keys(created.body).sort(), ["msg", "success"]);
  assert.equal((await call(emulator, "POST", "/api/v0/overlay/", { body: { cluster_id: clusterId, name: "ov" } })).status, 400);

  const near = await rent(emulator, inside.id);
  const far = await rent(emulator, outside.id);
  assert.equal((await call(emulator, "PUT", "/api/v0/overlay/", { body: { name: "ov", instance_id: near } })).status, 200);
  const refused = await call(emulator, "PUT", "/api/v0/overlay/", { body: { name: "ov", instance_id: far } });
  assert.equal(refused.status, 400);
  const [overlay] = (await call(emulator, "GET", "/api/v0/overlay/")).body;
  assert.deepEqual(overlay, {
    overlay_id: overlay.overlay_id,
    name: "ov",
    internal_subnet: "10.2.0.0/24",
    cluster_id: clusterId,
    instances: [near],
  });

  await call(emulator, "DELETE", `/api/v0/instances/${near}/`, { body: {} });
  assert.deepEqual((await call(emulator, "GET", "/api/v0/overlay/")).body[0].instances, []);
  assert.equal((await call(emulator, "DELETE", "/api/v0/overlay/", { body: { overlay_name: "ov" } })).status, 200);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/overlay/")).body, []);
  assert.equal((await call(emulator, "DELETE", "/api/v0/overlay/", { body: { overlay_id: overlay.overlay_id } })).status, 404);
});

test("clusters and overlays belong to the account of the key", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  const other = (await call(emulator, "POST", "/api/v0/auth/apikeys/", { body: { name: "other", permissions: {} } })).body.key;
  await call(emulator, "POST", "/api/v0/team/", { key: other, body: { team_name: "infra" } });
  await call(emulator, "POST", "/api/v0/cluster/", { key: other, body: { subnet: "10.3.0.0/24", manager_id: offer.machine_id } });
  assert.equal(Object.keys((await call(emulator, "GET", "/api/v0/clusters/", { key: other })).body.clusters).length, 1);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/clusters/")).body, { clusters: {} });
});

test(
  'the CLI\'s `--env "-n <overlay>"` joins a new instance to the overlay at create, from a machine of its cluster only',
  { timeout: 60_000 },
  async (t) => {
    const emulator = await emulatorFor(t);
    const inside = await cheapestOffer(emulator);
    const outside = await cheapestOffer(emulator, { machine_id: { neq: inside.machine_id } });
    await call(emulator, "POST", "/api/v0/cluster/", { body: { subnet: "10.5.0.0/24", manager_id: inside.machine_id } });
    const clusterId = Number(Object.keys((await call(emulator, "GET", "/api/v0/clusters/")).body.clusters)[0]);
    await call(emulator, "POST", "/api/v0/overlay/", { body: { cluster_id: clusterId, name: "cli-ov" } });
    const { raw, vastai } = vastaiCli(t, emulator.url, API_KEY);

    const created = await raw("create", "instance", String(inside.id), "--image", "pytorch/pytorch", "--env", "-n cli-ov");
    assert.deepEqual((await call(emulator, "GET", "/api/v0/overlay/")).body[0].instances, [created.new_contract]);
    const refused = await vastai("create", "instance", String(outside.id), "--image", "pytorch/pytorch", "--env", "-n cli-ov");
    assert.match(refused.stdout + refused.stderr, /not on a machine of cluster/);
    assert.deepEqual((await call(emulator, "GET", "/api/v0/overlay/")).body[0].instances, [created.new_contract]);
  },
);
