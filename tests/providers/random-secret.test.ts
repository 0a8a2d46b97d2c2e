import assert from "node:assert/strict";
import { test } from "node:test";
import * as secret from "../../providers/random/secret-provider.ts";

test("mints a base64url value of the requested size once; a size change replaces it", async () => {
  const checked = (await secret.check({}, { bytes: 32 })).inputs as { bytes: number };
  const a = await secret.create({}, checked);
  const b = await secret.create({}, checked);
  assert.equal(Buffer.from(a.outs.value, "base64url").length, 32);
  assert.notEqual(a.outs.value, b.outs.value);
  assert.deepEqual((await secret.diff(a.id, a.outs, checked)).changes, false);
  assert.deepEqual((await secret.diff(a.id, a.outs, { bytes: 48 })).replaces, ["bytes"]);
  assert.match((await secret.check({}, { bytes: 4 })).failures?.[0]?.reason ?? "", /bytes/);
});

test("refresh returns the state as it is and delete touches nothing: the value exists only in state", async () => {
  const created = await secret.create({}, { bytes: 24 });
  assert.deepEqual(await secret.read({}, created.id, created.outs), { id: created.id, props: created.outs });
  assert.equal(await secret.remove(), undefined);
});
