import assert from "node:assert/strict";
import { test } from "node:test";
import { kinds } from "vast-kit/providers/runtime";

// Providers stored in state by earlier versions import `vast-kit/providers/runtime` and call
// kinds[kind].check/diff/create/update/read/remove; refresh and delete of old resources depend on it.
test("the runtime keeps the kind table that providers stored in old state call", () => {
  assert.deepEqual(Object.keys(kinds).sort(), [
    "apiKey",
    "cluster",
    "clusterMember",
    "dockerImage",
    "endpoint",
    "envVar",
    "instance",
    "networkVolume",
    "overlay",
    "overlayMember",
    "randomSecret",
    "sshKey",
    "subaccount",
    "team",
    "teamMember",
    "teamRole",
    "template",
    "volume",
    "workerGroup",
  ]);
  for (const [kind, implementation] of Object.entries(kinds)) {
    for (const method of ["check", "diff", "create", "read", "remove"] as const)
      assert.equal(typeof implementation[method], "function", `${kind}.${method}`);
  }
  for (const kind of [
    "template",
    "instance",
    "envVar",
    "dockerImage",
    "volume",
    "networkVolume",
    "endpoint",
    "workerGroup",
    "team",
    "teamRole",
  ] as const)
    assert.equal(typeof kinds[kind].update, "function", `${kind}.update`);
});

test("a kind that reads no config still works when an old stored provider hands it the Vast settings", async () => {
  const vastSettings = { apiUrl: "http://127.0.0.1:1", apiKey: "k-123" };
  const created = await kinds.randomSecret.create(vastSettings, { bytes: 16 });
  assert.equal(Buffer.from(created.outs!.value, "base64url").length, 16);
});
