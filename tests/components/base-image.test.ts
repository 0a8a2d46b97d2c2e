import assert from "node:assert/strict";
import { test } from "node:test";
import { only, valueOf } from "./_mocks.ts";

const { BaseImage } = await import("../../components/base-image.ts");

test("one image per variant, on its own base, pushed as <repository>:<variant>, built through image/build with project-relative paths", async () => {
  const image = new BaseImage("base", { repository: "ghcr.io/acme/vast-base", buildArgs: { INSTALL_NVM: "false" } });
  assert.equal(await valueOf(image.refs.cuda!), `ghcr.io/acme/vast-base@sha256:${"ab".repeat(32)}`);
  const images = only("pulumi-nodejs:dynamic/docker:Image");
  assert.deepEqual(
    images.map((i) => [i.name, i.inputs.ref, i.inputs.buildArgs.BASE_IMAGE]),
    [
      ["base-cuda", "ghcr.io/acme/vast-base:cuda", "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"],
      ["base-rocm", "ghcr.io/acme/vast-base:rocm", "rocm/dev-ubuntu-22.04:6.2.4-complete"],
    ],
  );
  for (const i of images) {
    assert.equal(i.inputs.context, "image");
    assert.equal(i.inputs.dockerfile, "image/Dockerfile");
    assert.deepEqual(i.inputs.prepare, ["bash", "image/build/build-context.sh"]);
    assert.equal(i.inputs.buildArgs.INSTALL_NVM, "false");
    assert.match(i.inputs.sourceHash, /^[0-9a-f]{64}$/);
  }
});
