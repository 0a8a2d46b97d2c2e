import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { registeredOf, valueOf } from "./_mocks.ts";

const { BaseImage } = await import("../../components/base-image.ts");

const digest = `sha256:${"ab".repeat(32)}`;

test("one docker-build image per variant, on its own base, pushed as <repository>:<variant> from the prepared context, pinned by digest", async () => {
  const image = new BaseImage("base", { repository: "ghcr.io/acme/vast-base", buildArgs: { INSTALL_NVM: "false" }, labels: { "org.opencontainers.image.revision": "r1" } });
  assert.equal(await valueOf(image.refs.cuda!), `ghcr.io/acme/vast-base@${digest}`);
  assert.equal(await valueOf(image.refs.rocm!), `ghcr.io/acme/vast-base@${digest}`);
  const images = (await registeredOf("docker-build:index:Image", 2)).filter((i) => i.name.startsWith("base-"));
  assert.deepEqual(images.map((i) => [i.name, i.inputs.tags, i.inputs.buildArgs.BASE_IMAGE]), [
    ["base-cuda", ["ghcr.io/acme/vast-base:cuda"], "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"],
    ["base-rocm", ["ghcr.io/acme/vast-base:rocm"], "rocm/dev-ubuntu-22.04:6.2.4-complete"],
  ]);
  for (const i of images) {
    assert.deepEqual(i.inputs.context, { location: "image" });
    assert.deepEqual(i.inputs.dockerfile, { location: "image/Dockerfile" });
    assert.equal(i.inputs.buildArgs.INSTALL_NVM, "false");
    assert.deepEqual(i.inputs.labels, { "org.opencontainers.image.revision": "r1" });
    assert.equal(i.inputs.push, true);
    assert.deepEqual(i.inputs.cacheFrom, [{ registry: { ref: i.inputs.tags[0] } }]);
    assert.deepEqual(i.inputs.cacheTo, [{ inline: {} }]);
    assert.deepEqual([i.inputs.exec, i.inputs.builder, i.inputs.buildOnPreview], [true, { name: "default" }, false]);
  }
  // The context docker-build hashes and sends holds the generated part (scripts/docker/build-context.sh).
  assert.ok(existsSync(resolve(import.meta.dirname, "../../image/.build/app/main.js")));
});

test("build secrets are read from their files and, with the registry credentials, registered only as secrets", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "vast-kit-secret-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\n");
  new BaseImage("private", {
    repository: "registry.example/acme/base",
    variants: ["cuda"],
    secretFiles: { build_ca: join(dir, "ca.crt") },
    registryAuth: { address: "registry.example", username: "ci", password: "hunter2" },
  });
  const [image] = (await registeredOf("docker-build:index:Image", 3)).filter((i) => i.name === "private-cuda");
  assert.deepEqual(image!.inputs.secrets, { build_ca: "-----BEGIN CERTIFICATE-----\n" });
  assert.deepEqual(image!.inputs.registries, [{ address: "registry.example", username: "ci", password: "hunter2" }]);
  assert.deepEqual(image!.secrets.sort(), ["registries", "secrets"]);
});
