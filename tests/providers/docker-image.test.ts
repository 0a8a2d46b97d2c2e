/**
 * The DockerImage provider with the real engine and the local registry: build, push, digest;
 * the same inputs give the same digest, a label gives a new one, a broken build names its step;
 * refresh notices a tag pushed over or deleted through the registry's API.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { request } from "undici";
import * as image from "../../providers/docker/image-provider.ts";
import { freePort } from "../_support/net.ts";

const base = "vast-kit/debian-base:bookworm"; // made by toolchain/docker.sh
const registry = "127.0.0.1:5000"; // toolchain/registry.sh, with deletes enabled

test(
  "builds, pushes and pins by digest; labels change the digest; refresh notices the tag pushed over or deleted; a failing build says which step",
  { timeout: 180_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "vast-kit-image-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "Dockerfile"), `FROM ${base}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n`);
    const ref = `${registry}/vast-kit/provider-test:${Date.now()}`;
    const inputs = (
      await image.check({}, { context: dir, dockerfile: join(dir, "Dockerfile"), ref, buildArgs: { GREETING: "hi" }, sourceHash: "1" })
    ).inputs as image.ImageInputs;

    const first = await image.create({}, inputs);
    const outs = first.outs as image.ImageOutputs;
    assert.match(outs.imageRef, new RegExp(`^127\\.0\\.0\\.1:5000/vast-kit/provider-test@sha256:[0-9a-f]{64}$`));
    assert.equal(outs.imageRef.split("@")[1], outs.digest);
    assert.deepEqual(await image.read({}, first.id, outs), { id: first.id, props: outs }, "the tag still holds the pushed digest");

    const again = (await image.update({}, first.id, outs, inputs)).outs as image.ImageOutputs;
    assert.equal(again.digest, outs.digest, "the same inputs build the same image");

    const labelled = (await image.update({}, first.id, outs, { ...inputs, labels: { "org.opencontainers.image.revision": "r2" } }))
      .outs as image.ImageOutputs;
    assert.notEqual(labelled.digest, outs.digest);
    assert.deepEqual(await image.read({}, first.id, outs), { id: "" }, "the tag now holds another image: the old state reads as gone");
    assert.deepEqual(await image.read({}, first.id, labelled), { id: first.id, props: labelled });

    const deleted = await request(`http://${registry}/v2/vast-kit/provider-test/manifests/${labelled.digest}`, { method: "DELETE" });
    await deleted.body.dump();
    assert.equal(deleted.statusCode, 202);
    assert.deepEqual(await image.read({}, first.id, labelled), { id: "" }, "the tag was deleted in the registry");

    await writeFile(join(dir, "Dockerfile"), `FROM ${base}\nRUN exit 3\n`);
    await assert.rejects(image.create({}, inputs), {
      name: "DockerImageError",
      code: "DOCKER_BUILD_FAILED",
      message: /^image 127\.0\.0\.1:5000\/vast-kit\/provider-test:\d+: docker build failed:\n/,
    });
  },
);

test("a failed login is DOCKER_LOGIN_FAILED and its message carries no password", { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "vast-kit-image-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "Dockerfile"), `FROM ${base}\n`);
  const address = `127.0.0.1:${await freePort()}`; // nothing listens there
  const password = "pw-3f9c1d7e-never-printed";
  const inputs = (
    await image.check(
      {},
      {
        context: dir,
        dockerfile: join(dir, "Dockerfile"),
        ref: `${address}/vast-kit/login-test:1`,
        sourceHash: "1",
        registryAuth: { address, username: "ci", password },
      },
    )
  ).inputs as image.ImageInputs;
  const error = await image.create({}, inputs).then(
    () => assert.fail("the login should fail"),
    (e: unknown) => e as Error & { code: string },
  );
  assert.equal(error.code, "DOCKER_LOGIN_FAILED");
  assert.match(error.message, new RegExp(`^image ${address}/vast-kit/login-test:1: login to ${address} failed:\\n`));
  assert.doesNotMatch(`${error.message}\n${error.stack}`, new RegExp(password));
});

test("refresh against a registry that does not answer fails with DOCKER_REGISTRY_ERROR instead of guessing", async () => {
  const ref = `127.0.0.1:${await freePort()}/vast-kit/gone:1`;
  const props = { ref, digest: `sha256:${"0".repeat(64)}` } as image.ImageOutputs;
  await assert.rejects(image.read({}, ref, props), {
    name: "DockerImageError",
    code: "DOCKER_REGISTRY_ERROR",
    message: new RegExp(`^image ${ref}: GET http://${ref.split("/")[0]}/v2/vast-kit/gone/manifests/1 failed: `),
  });
});
