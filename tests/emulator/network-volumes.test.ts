/** Network volumes and volume attach in the emulator (vast-api-more.md §2), and outbidding a bid instance (vast-api.md §4.2). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, emulatorFor, waitFor } from "./_utils.ts";

const search = {
  verified: { eq: true },
  external: { eq: false },
  disk_space: { gte: 1 },
  order: [["score", "desc"]],
  allocated_storage: 1.0,
};

test("network volumes are refused with 403 not_authorized unless the feature flag is on", async (t) => {
  const emulator = await emulatorFor(t);
  const answer = await call(emulator, "POST", "/api/v0/network_volumes/search/", { body: search });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error, "not_authorized");
  assert.equal((await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: 10, id: 1 } })).status, 403);
});

test("a network volume is rented from a cluster's pool, listed by type, and deleted through /volumes", async (t) => {
  const emulator = await emulatorFor(t, { networkVolumes: true });
  const offers = (await call(emulator, "POST", "/api/v0/network_volumes/search/", { body: search })).body.offers;
  assert.ok(offers.length >= 2);
  assert.ok(offers.every((o: { cluster_id: unknown }) => typeof o.cluster_id === "number"));
  const pool = offers[0];

  assert.equal((await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: 10 } })).body.error, "invalid_args");
  const tooBig = await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: pool.disk_space + 1, id: pool.id } });
  assert.equal(tooBig.status, 400);
  const created = await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: 40, id: pool.id, name: "shared" } });
  assert.equal(created.status, 200);
  assert.equal(created.body.volume_name, `V.${created.body.id}`);

  const after = (await call(emulator, "POST", "/api/v0/network_volumes/search/", { body: { ...search, id: { eq: pool.id } } })).body.offers;
  assert.equal(after[0].disk_space, pool.disk_space - 40, "a rent takes its size out of the pool");

  const network = (await call(emulator, "GET", "/api/v0/volumes?owner=me&type=network_volume")).body.volumes;
  assert.deepEqual(
    network.map((v: Record<string, unknown>) => [v.id, v.name, v.disk_space, v.cluster_id, v.status]),
    [[created.body.id, "shared", 40, pool.cluster_id, "available"]],
  );
  assert.deepEqual((await call(emulator, "GET", "/api/v0/volumes?owner=me&type=local_volume")).body.volumes, []);
  assert.equal((await call(emulator, "GET", "/api/v0/volumes?owner=me&type=all_volume")).body.volumes.length, 1);

  assert.equal((await call(emulator, "DELETE", `/api/v0/volumes/?id=${created.body.id}`, { body: {} })).status, 200);
  assert.equal((await call(emulator, "DELETE", `/api/v0/volumes/?id=${created.body.id}`, { body: {} })).body.error, "no_such_volume");
});

test("instances on the volume's cluster mount a network volume together, by volume_info or the -v env key, and it cannot be deleted while mounted", async (t) => {
  const emulator = await emulatorFor(t, { networkVolumes: true });
  const [pool] = (await call(emulator, "POST", "/api/v0/network_volumes/search/", { body: search })).body.offers;
  const volumeId = (await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: 20, id: pool.id } })).body.id;
  const onCluster = (await call(emulator, "POST", "/api/v0/bundles/", { body: { cluster_id: { eq: pool.cluster_id }, limit: 3 } })).body
    .offers;
  const elsewhere = (await call(emulator, "POST", "/api/v0/bundles/", { body: { cluster_id: { neq: pool.cluster_id }, limit: 1 } })).body
    .offers;
  assert.ok(onCluster.length >= 2);

  const refused = await call(emulator, "PUT", `/api/v0/asks/${elsewhere[0].id}/`, {
    body: { image: "img", volume_info: { create_new: false, volume_id: volumeId, mount_path: "/data" } },
  });
  assert.equal(refused.status, 400);
  assert.match(refused.body.msg, /cluster/);

  const first = await call(emulator, "PUT", `/api/v0/asks/${onCluster[0].id}/`, {
    body: { image: "img", volume_info: { mount_path: "/mnt/shared", create_new: false, volume_id: volumeId } },
  });
  const second = await call(emulator, "PUT", `/api/v0/asks/${onCluster[1].id}/`, {
    body: { image: "img", env: { [`-v V.${volumeId}:/shared`]: "1" } },
  });
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);

  const [row] = (await call(emulator, "GET", "/api/v0/volumes?owner=me&type=network_volume")).body.volumes;
  assert.equal(row.status, "attached");
  assert.deepEqual([...row.instances].sort(), [first.body.new_contract, second.body.new_contract].sort());
  const listed = (await call(emulator, "GET", "/api/v0/instances/?owner=me")).body.instances;
  assert.deepEqual(
    listed.map((i: { volume_info: Array<{ id: number; mount_path: string }> }) => i.volume_info.map((v) => [v.id, v.mount_path])),
    [[[volumeId, "/mnt/shared"]], [[volumeId, "/shared"]]],
  );

  assert.equal((await call(emulator, "DELETE", `/api/v0/volumes/?id=${volumeId}`, { body: {} })).body.error, "volume_in_use");
  for (const answer of [first, second]) await call(emulator, "DELETE", `/api/v0/instances/${answer.body.new_contract}/`, { body: {} });
  assert.equal((await call(emulator, "DELETE", `/api/v0/volumes/?id=${volumeId}`, { body: {} })).status, 200);
});

test("an outbid bid instance stops with intended running, waits through a start, and resumes once its bid beats the higher one", async (t) => {
  const emulator = await emulatorFor(t);
  const [offer] = (await call(emulator, "POST", "/api/v0/bundles/", { body: { type: "bid", limit: 1 } })).body.offers;
  const id = (await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img", price: 0.2 } })).body.new_contract;
  const read = async () => (await call(emulator, "GET", `/api/v0/instances/${id}/`)).body.instances;
  await waitFor("running", async () => ((await read()).actual_status === "running" ? true : undefined));

  const onDemand = (await call(emulator, "PUT", `/api/v0/asks/${offer.id + 1}/`, { body: { image: "img" } })).body.new_contract;
  const refused = await call(emulator, "POST", `/_emulator/instances/${onDemand}/outbid`, { body: {} });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, "not_a_bid");

  const outbid = await call(emulator, "POST", `/_emulator/instances/${id}/outbid`, { body: { price: 0.3 } });
  assert.deepEqual(outbid.body, { success: true, outbid_by: 0.3 });
  const stopped = await read();
  assert.deepEqual(
    [stopped.actual_status, stopped.intended_status, stopped.cur_state, stopped.is_bid],
    ["exited", "running", "stopped", true],
  );
  assert.match(stopped.status_msg, /outbid/i);

  await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
  assert.equal((await read()).actual_status, "exited", "a start does not win the GPU back");
  await call(emulator, "DELETE", `/api/v0/instances/${onDemand}/`, { body: {} });
  const taken = (await call(emulator, "POST", "/api/v0/bundles/", { body: { ask_contract_id: { eq: offer.id } } })).body.offers;
  assert.deepEqual(taken, [], "the offer belongs to the higher bidder");

  await call(emulator, "PUT", `/api/v0/instances/bid_price/${id}/`, { body: { client_id: "me", price: 0.35 } });
  await waitFor("running again", async () => ((await read()).actual_status === "running" ? true : undefined));
  assert.equal((await read()).dph_base, 0.35);
});
