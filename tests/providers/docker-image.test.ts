/**
 * The DockerImage provider with the real engine and the local registry: build, push, digest;
 * the same inputs give the same digest, a label gives a new one, a broken build names its step.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as image from "../../providers/docker/image-provider.ts";

const base = "vast-kit/debian-base:bookworm"; // made by toolchain/docker.sh

test("builds, pushes and pins by digest; labels change the digest; a failing build says which step", { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "vast-kit-image-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "Dockerfile"), `FROM ${base}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n`);
  const ref = `127.0.0.1:5000/vast-kit/provider-test:${Date.now()}`;
  const inputs = (await image.check({}, { context: dir, dockerfile: join(dir, "Dockerfile"), ref, buildArgs: { GREETING: "hi" }, sourceHash: "1" })).inputs as image.ImageInputs;

  const first = await image.create({}, inputs);
  const outs = first.outs as image.ImageOutputs;
  assert.match(outs.imageRef, new RegExp(`^127\\.0\\.0\\.1:5000/vast-kit/provider-test@sha256:[0-9a-f]{64}$`));
  assert.equal(outs.imageRef.split("@")[1], outs.digest);

  const again = (await image.update({}, first.id, outs, inputs)).outs as image.ImageOutputs;
  assert.equal(again.digest, outs.digest, "the same inputs build the same image");

  const labelled = (await image.update({}, first.id, outs, { ...inputs, labels: { "org.opencontainers.image.revision": "r2" } })).outs as image.ImageOutputs;
  assert.notEqual(labelled.digest, outs.digest);

  await writeFile(join(dir, "Dockerfile"), `FROM ${base}\nRUN exit 3\n`);
  await assert.rejects(image.create({}, inputs), /image 127\.0\.0\.1:5000\/vast-kit\/provider-test:\d+: docker build failed:/);
});
