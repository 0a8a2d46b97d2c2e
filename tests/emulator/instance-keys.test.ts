/**
 * Instance-scoped keys (vast-api.md §3.2.4, §6.4): the `instance_api_key` a create answers with
 * authenticates calls on that one instance (read, stop, start, destroy) and nothing else. A key
 * leaked from inside a container must not reach the account's other instances, list them, rent,
 * or read the account.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, cheapestOffer, emulatorFor, showInstance, waitForStatus } from "./_utils.ts";

/** Rents the cheapest offer and returns the instance id with its own key, as the create answers them. */
async function rentWithKey(emulator: { url: string }): Promise<{ id: number; key: string }> {
  const offer = await cheapestOffer(emulator);
  const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { client_id: "me", image: "pytorch/pytorch", disk: 10 } });
  assert.equal(res.status, 200, res.text);
  return { id: res.body.new_contract, key: res.body.instance_api_key };
}

const REFUSED = { success: false, error: "unauthorized" };

test("an instance's own key reads, stops, starts and destroys that instance, then no longer authenticates", async (t) => {
  const emulator = await emulatorFor(t);
  const own = await rentWithKey(emulator);
  await waitForStatus(emulator, own.id, "running");

  const read = await call(emulator, "GET", `/api/v0/instances/${own.id}/`, { key: own.key });
  assert.equal(read.status, 200);
  assert.equal(read.body.instances.id, own.id);

  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/${own.id}/`, { key: own.key, body: { state: "stopped" } })).body, {
    success: true,
  });
  await waitForStatus(emulator, own.id, "exited");
  assert.equal((await call(emulator, "PUT", `/api/v0/instances/${own.id}/`, { key: own.key, body: { state: "running" } })).status, 200);
  await waitForStatus(emulator, own.id, "running");

  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/instances/${own.id}/`, { key: own.key, body: {} })).body, { success: true });
  assert.equal(await showInstance(emulator, own.id), null);
  const after = await call(emulator, "GET", `/api/v0/instances/${own.id}/`, { key: own.key });
  assert.equal(after.status, 401);
  assert.deepEqual(after.body, { success: false, error: "auth_error", msg: "Invalid user key" });
});

test("an instance's key cannot read, stop or destroy another instance", async (t) => {
  const emulator = await emulatorFor(t);
  const own = await rentWithKey(emulator);
  const other = await rentWithKey(emulator);
  await waitForStatus(emulator, other.id, "running");

  const attempts = [
    await call(emulator, "GET", `/api/v0/instances/${other.id}/`, { key: own.key }),
    await call(emulator, "PUT", `/api/v0/instances/${other.id}/`, { key: own.key, body: { state: "stopped" } }),
    await call(emulator, "DELETE", `/api/v0/instances/${other.id}/`, { key: own.key, body: {} }),
    // An id that does not exist gets the same answer: the key learns nothing about other ids.
    await call(emulator, "GET", `/api/v0/instances/${other.id + 1000}/`, { key: own.key }),
  ];
  for (const answer of attempts) {
    assert.equal(answer.status, 403);
    assert.deepEqual({ success: answer.body.success, error: answer.body.error }, REFUSED);
    assert.match(answer.body.msg, new RegExp(`instance ${own.id}\\b`));
  }
  const still = await showInstance(emulator, other.id);
  assert.equal(still.actual_status, "running");
  assert.equal(still.intended_status, "running");
});

test("an instance's key cannot list instances, rent, act in bulk, relabel or read the account", async (t) => {
  const emulator = await emulatorFor(t);
  const own = await rentWithKey(emulator);
  const offer = await cheapestOffer(emulator);
  const calls: Array<[string, string, unknown?]> = [
    ["GET", "/api/v1/instances/"],
    ["GET", "/api/v0/instances/?owner=me"],
    ["PUT", `/api/v0/asks/${offer.id}/`, { client_id: "me", image: "pytorch/pytorch", disk: 10 }],
    ["PUT", "/api/v0/instances/", { ids: [own.id], state: "stopped" }],
    ["DELETE", "/api/v0/instances/", { instance_ids: [own.id] }],
    ["PUT", `/api/v0/instances/${own.id}/`, { label: "renamed" }],
    ["PUT", `/api/v0/instances/reboot/${own.id}/`, {}],
    ["GET", "/api/v0/users/current"],
    ["GET", "/api/v0/secrets/"],
    ["POST", "/api/v0/bundles/", { limit: 1 }],
  ];
  for (const [method, path, body] of calls) {
    const answer = await call(emulator, method, path, { key: own.key, ...(body === undefined ? {} : { body }) });
    assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
    assert.equal(answer.body.error, "unauthorized");
  }
  // Nothing was rented, relabelled or stopped.
  assert.equal(emulator.listInstances().length, 1);
  const instance = await showInstance(emulator, own.id);
  assert.equal(instance.label, null);
  assert.equal(instance.intended_status, "running");
});
