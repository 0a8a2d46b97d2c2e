/**
 * Instances through the API: golden exchanges G3, G4 and G6–G13 of vast-api.md §7 (create with
 * env and runtype, templates merged at create, reads, the v1 list and its paging, state and label
 * changes, destroy twice, logs), plus the bulk forms and the per-instance actions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, cheapestOffer, emulatorFor, rent, showInstance, waitFor, waitForStatus } from "./_utils.ts";

/** `extra_env` of the G3 create (vast-api.md §7): the env string as `[key, value]` pairs, ports and hostname included. */
const g3EnvPairs = [
  ["TZ", "UTC"],
  ["GREETING", "hello world"],
  ["-p 8080:8080", "1"],
  ["-p 8081:8081/udp", "1"],
  ["-h", "myhost"],
];

const G3_BODY = {
  client_id: "me",
  image: "pytorch/pytorch",
  env: { TZ: "UTC", GREETING: "hello world", "-p 8080:8080": "1", "-p 8081:8081/udp": "1", "-h": "myhost" },
  price: null,
  disk: 20.0,
  label: "foo",
  extra: null,
  onstart: "echo hi",
  image_login: null,
  python_utf8: false,
  lang_utf8: false,
  use_jupyter_lab: false,
  jupyter_dir: null,
  force: false,
  cancel_unavail: false,
  template_hash_id: null,
  user: null,
  runtype: "ssh_direc ssh_proxy",
};

test("G3 + G6: a CLI create with env and ssh direct reads back with pairs, runtype tokens and ports while running", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator, { gpu_name: { eq: "RTX 4090" } });
  const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: G3_BODY });
  assert.equal(res.status, 200);
  assert.equal(res.body.success, true);
  assert.equal(typeof res.body.new_contract, "number");
  assert.match(res.body.instance_api_key, /^[0-9a-f]{64}$/);
  const id = res.body.new_contract;

  const created = await showInstance(emulator, id);
  assert.equal(created.ports, null, "no ports before running");
  assert.equal(created.intended_status, "running");
  const instance = await waitForStatus(emulator, id, "running");
  assert.equal(instance.id, id);
  assert.equal(instance.label, "foo");
  assert.equal(instance.onstart, "echo hi");
  assert.equal(instance.image_uuid, "pytorch/pytorch");
  assert.equal(instance.image_runtype, "ssh ssh_direc ssh_proxy");
  assert.deepEqual(instance.extra_env, g3EnvPairs);
  assert.equal(instance.cur_state, "running");
  assert.equal(instance.status_msg, "success, running pytorch/pytorch_latest/ssh");
  assert.equal(typeof instance.start_date, "number");
  assert.equal(instance.public_ipaddr, "127.0.0.1");
  assert.match(instance.ssh_host, /^ssh\d\.vast\.ai$/);
  assert.equal(typeof instance.ssh_port, "number");
  assert.match(instance.jupyter_token, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(instance.ports).sort(), ["22/tcp", "8080/tcp", "8081/udp"]);
  for (const bindings of Object.values<any[]>(instance.ports)) {
    assert.deepEqual(
      bindings.map((b) => b.HostIp),
      ["0.0.0.0", "::"],
    );
    assert.equal(typeof bindings[0].HostPort, "string");
    assert.equal(bindings[0].HostPort, bindings[1].HostPort);
  }
  assert.equal(instance.gpu_name, "RTX 4090");
  assert.equal(instance.gpu_totalram, offer.gpu_total_ram);
  assert.equal(instance.disk_space, 20);
  assert.equal(instance.template_hash_id, null);
});

test("env also arrives as a flag string, parsed with the CLI rules; identity ports keep their number", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  const id = await rent(emulator, offer.id, {
    env: `-e TZ=UTC -e GREETING="hello world" -p 8080:8080 -p 8081:8081/udp -h myhost -p bad!port -p 70000:70000 stray`,
    runtype: "jupyter_direct",
  });
  const instance = await waitForStatus(emulator, id, "running");
  assert.deepEqual(instance.extra_env, [...g3EnvPairs, ["-p 70000:70000", "1"]]);
  assert.equal(instance.image_runtype, "jupyter jupyter_direc");
  const identity = Object.entries<any[]>(instance.ports).filter(([key]) => !["22/tcp", "8080/tcp", "8081/udp"].includes(key));
  assert.equal(identity.length, 1);
  const [key, bindings] = identity[0] as [string, any[]];
  assert.equal(key, `${bindings[0].HostPort}/tcp`);
});

test("G4: a create from a template merges env by key (the request wins) and takes image and runtype from it", async (t) => {
  const emulator = await emulatorFor(t);
  const created = await call(emulator, "POST", "/api/v0/template/", {
    body: {
      name: "inference",
      image: "vllm/vllm-openai",
      tag: "v0.6",
      env: "-e MODEL_ID=base -e KEEP=1 -p 8000:8000",
      runtype: "ssh",
      ssh_direct: true,
      use_ssh: true,
      recommended_disk_space: "40",
    },
  });
  const hash = created.body.template.hash_id;
  const offer = await cheapestOffer(emulator);
  const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, {
    body: {
      template_hash_id: hash,
      env: { MODEL_ID: "mistralai/Mistral-7B-Instruct-v0.2", HF_TOKEN: "hf_xxx", "-p 8000:8000": "1" },
      disk: 100,
      label: "custom-inference-server",
    },
  });
  assert.equal(res.status, 200);
  const instance = await showInstance(emulator, res.body.new_contract);
  assert.equal(instance.image_uuid, "vllm/vllm-openai:v0.6");
  assert.equal(instance.image_runtype, "ssh ssh_direc ssh_proxy");
  assert.equal(instance.template_hash_id, hash);
  assert.equal(instance.template_id, created.body.template.id);
  assert.equal(instance.template_name, "inference");
  assert.deepEqual(Object.fromEntries(instance.extra_env), {
    MODEL_ID: "mistralai/Mistral-7B-Instruct-v0.2",
    KEEP: "1",
    "-p 8000:8000": "1",
    HF_TOKEN: "hf_xxx",
  });
  assert.equal(instance.disk_space, 100);

  // The CLI variant: image null, empty env, a bid, no runtype key; disk falls back to the request's.
  const offer2 = await cheapestOffer(emulator);
  const cli = await call(emulator, "PUT", `/api/v0/asks/${offer2.id}/`, {
    body: { client_id: "me", image: null, env: {}, price: 0.2, disk: 32.0, template_hash_id: hash },
  });
  const bid = await showInstance(emulator, cli.body.new_contract);
  assert.equal(bid.is_bid, true);
  assert.equal(bid.dph_base, 0.2);
  assert.equal(bid.image_uuid, "vllm/vllm-openai:v0.6");
  const search = await call(
    emulator,
    "GET",
    `/api/v0/template/?select_filters=${encodeURIComponent(JSON.stringify({ hash_id: { eq: hash } }))}`,
  );
  assert.equal(search.body.templates[0].count_created, 2);
});

test('G7 + G12: destroy answers success, then 404 not_found; the read gives {"instances": null}', async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  const first = await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} });
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, { success: true });
  const second = await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} });
  assert.equal(second.status, 404);
  assert.deepEqual(second.body, { success: false, error: "not_found", msg: "Instance not found" });
  const read = await call(emulator, "GET", `/api/v0/instances/${id}/?owner=me`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, { instances: null });
  assert.deepEqual((await call(emulator, "GET", "/api/v0/instances/4242/")).body, { instances: null });
});

test("G8: the v1 list pages 25 at a time with an opaque next_token, counts labels and filters on stored columns", async (t) => {
  const emulator = await emulatorFor(t);
  const offers = (await call(emulator, "POST", "/api/v0/bundles/", { body: { order: [["dph_total", "asc"]], limit: 27 } })).body.offers;
  const ids: number[] = [];
  for (const [i, offer] of offers.entries()) ids.push(await rent(emulator, offer.id, { label: i === 0 ? "foo" : null }));
  const query = `select_filters=${encodeURIComponent("{}")}&order_by=${encodeURIComponent('[{"col": "id", "dir": "asc"}]')}&limit=25`;
  const page1 = await call(emulator, "GET", `/api/v1/instances/?${query}`);
  assert.equal(page1.status, 200);
  assert.equal(page1.body.success, true);
  assert.equal(page1.body.instances_found, 25);
  assert.equal(page1.body.total_instances, 27);
  assert.deepEqual(page1.body.label_counts, { foo: 1, "": 26 });
  assert.equal(typeof page1.body.next_token, "string");
  const page2 = await call(emulator, "GET", `/api/v1/instances/?${query}&after_token=${encodeURIComponent(page1.body.next_token)}`);
  assert.equal(page2.body.instances_found, 2);
  assert.equal(page2.body.next_token, null);
  assert.deepEqual(
    [...page1.body.instances, ...page2.body.instances].map((row: any) => row.id),
    ids.sort((a, b) => a - b),
  );
  assert.ok(
    page1.body.instances.every(
      (row: any) => Array.isArray(row.extra_env) && typeof row.start_date === "number" && Array.isArray(row.volume_info),
    ),
  );

  const filtered = await call(
    emulator,
    "GET",
    `/api/v1/instances/?select_filters=${encodeURIComponent('{"label": {"in": ["foo"]}}')}&limit=5`,
  );
  assert.deepEqual(
    filtered.body.instances.map((row: any) => row.label),
    ["foo"],
  );
  const unlabelled = await call(emulator, "GET", `/api/v1/instances/?select_filters=${encodeURIComponent('{"label": {"in": [null]}}')}`);
  assert.equal(unlabelled.body.total_instances, 26);
  const desc = await call(
    emulator,
    "GET",
    `/api/v1/instances/?order_by=${encodeURIComponent('[{"col": "id", "dir": "desc"}]')}&limit=3&select_cols=${encodeURIComponent('["id", "nope"]')}`,
  );
  assert.deepEqual(
    desc.body.instances,
    [...ids]
      .sort((a, b) => b - a)
      .slice(0, 3)
      .map((id) => ({ id, nope: null })),
  );
  const small = await call(emulator, "GET", "/api/v1/instances/?limit=0");
  assert.equal(small.body.instances_found, 5, "a limit of 0 or less means 5");

  const computed = await call(emulator, "GET", `/api/v1/instances/?select_filters=${encodeURIComponent('{"dph_total": {"lt": 1}}')}`);
  assert.equal(computed.status, 400);
  assert.deepEqual(computed.body, {
    success: false,
    error: "invalid_request",
    msg: "Error in query parameters: dph_total is not a valid search key",
  });
  const badToken = await call(emulator, "GET", "/api/v1/instances/?after_token=garbage");
  assert.equal(badToken.status, 400);
  assert.equal(badToken.body.error, "invalid_token");
});

test("the legacy v0 list and the filter facets are served", async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator, { gpu_name: { eq: "L40S" } })).id);
  const legacy = await call(emulator, "GET", "/api/v0/instances/?owner=me");
  assert.equal(legacy.body.instances_found, 1);
  assert.equal(legacy.body.instances[0].id, id);
  const facets = await call(emulator, "GET", "/api/v0/instances/filters/");
  assert.deepEqual(facets.body.filters, [
    { actual_status: "created", verification: legacy.body.instances[0].verification, gpu_name: "L40S" },
  ]);
});

test("G9–G11: stop, start and label, with the documented answers and the 404 for an unknown id", async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { env: { "-p 8080:8080": "1" } });
  await waitForStatus(emulator, id, "running");
  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "stopped" } })).body, { success: true });
  const stopped = await waitForStatus(emulator, id, "exited");
  assert.equal(stopped.intended_status, "stopped");
  assert.equal(stopped.cur_state, "stopped");
  assert.equal(stopped.ports, null);

  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } })).body, { success: true });
  const starting = await showInstance(emulator, id);
  assert.equal(starting.intended_status, "running");
  assert.equal(starting.actual_status, "loading");
  await waitForStatus(emulator, id, "running");

  const label = await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { label: "my label" } });
  assert.deepEqual(label.body, { success: true, msg: `label for ${id} set to 'my label'` });
  assert.equal((await showInstance(emulator, id)).label, "my label");
  const long = await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { label: "x".repeat(1025) } });
  assert.equal(long.status, 400);
  assert.deepEqual(long.body, {
    success: false,
    error: "label_too_long",
    msg: "Please limit label length to 1024 characters, ideally less than 128.",
  });
  assert.equal((await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { label: "y".repeat(1024) } })).status, 200);

  const unknown = await call(emulator, "PUT", "/api/v0/instances/9999/", { body: { label: "x" } });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { success: false, error: "no_such_instance", msg: "Instance 9999 not found." });
});

test("bulk state changes and bulk destroy; a repeated bulk destroy is harmless", async (t) => {
  const emulator = await emulatorFor(t);
  const offers = (await call(emulator, "POST", "/api/v0/bundles/", { body: { limit: 3 } })).body.offers;
  const ids = [];
  for (const offer of offers) ids.push(await rent(emulator, offer.id));
  assert.deepEqual((await call(emulator, "PUT", "/api/v0/instances/", { body: { ids, state: "stopped" } })).body, { success: true });
  assert.ok(emulator.listInstances().every((instance) => instance.intended_status === "stopped"));
  for (let attempt = 0; attempt < 6; attempt++) {
    const res = await call(emulator, "DELETE", "/api/v0/instances/", { body: { instance_ids: ids.slice(0, 2) } });
    assert.deepEqual(res.body, { success: true });
  }
  assert.deepEqual(
    emulator.listInstances().map((instance) => instance.id),
    [ids[2]],
  );
});

test("reboot, recycle and bid price; unknown ids answer the documented errors", async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  await waitForStatus(emulator, id, "running");
  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/reboot/${id}/`, { body: {} })).body, { success: true });
  assert.equal((await showInstance(emulator, id)).actual_status, "rebooting");
  await waitForStatus(emulator, id, "running");
  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/recycle/${id}/`, { body: {} })).body, { success: true });
  assert.equal((await showInstance(emulator, id)).actual_status, "loading");
  await waitForStatus(emulator, id, "running");
  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/bid_price/${id}/`, { body: { client_id: "me", price: 0.25 } })).body, {
    success: true,
  });
  const bid = await showInstance(emulator, id);
  assert.equal(bid.is_bid, true);
  assert.equal(bid.dph_base, 0.25);

  assert.equal((await call(emulator, "PUT", "/api/v0/instances/reboot/9999/", { body: {} })).body.error, "no_such_instance");
  const recycle = await call(emulator, "PUT", "/api/v0/instances/recycle/9999/", { body: {} });
  assert.deepEqual([recycle.status, recycle.body], [404, { success: false, error: "invalid_id", msg: "Invalid instance id." }]);
});

test("G13: request_logs answers a result_url served without auth, 404 while pending, then the text", async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { onstart: "echo hi" });
  await waitForStatus(emulator, id, "running");
  const res = await call(emulator, "PUT", `/api/v0/instances/request_logs/${id}/`, { body: { tail: "100" } });
  assert.equal(res.body.success, true);
  assert.ok(res.body.result_url.startsWith(`${emulator.url}/instance_logs/`));
  const path = res.body.result_url.slice(emulator.url.length);
  assert.equal((await call(emulator, "GET", path, { key: null })).status, 404, "pending at first");
  const log = await waitFor("the log upload", async () => {
    const answer = await call(emulator, "GET", path, { key: null });
    return answer.status === 200 ? answer : undefined;
  });
  assert.match(log.contentType ?? "", /^text\/plain/);
  assert.match(log.text, /Container started: pytorch\/pytorch/);
  assert.match(log.text, /Running onstart: echo hi/);

  const tail = await call(emulator, "PUT", `/api/v0/instances/request_logs/${id}/`, { body: { tail: "1", filter: "onstart" } });
  const tailPath = tail.body.result_url.slice(emulator.url.length);
  const one = await waitFor("the tail upload", async () => {
    const answer = await call(emulator, "GET", tailPath, { key: null });
    return answer.status === 200 ? answer.text : undefined;
  });
  assert.equal(one.trim().split("\n").length, 1);
  const missing = await call(emulator, "PUT", "/api/v0/instances/request_logs/9999/", { body: {} });
  assert.deepEqual([missing.status, missing.body.error], [404, "invalid_id"]);
});
