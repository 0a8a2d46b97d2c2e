/**
 * How the DockerImage provider finds a tag in a registry: docker's reference rules, and the
 * bearer-token challenge (as Docker Hub and ghcr.io answer) in front of the real local registry.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { request } from "undici";
import * as image from "../../providers/docker/image-provider.ts";
import { locateImage } from "../../providers/docker/registry.ts";
import { listenOn } from "../_support/net.ts";

test("locates a reference the way docker does", () => {
  const table: Array<[string, string, string, string]> = [
    ["127.0.0.1:5000/vast-kit/base:cuda", "127.0.0.1:5000", "http://127.0.0.1:5000", "vast-kit/base"],
    ["localhost:5000/base:1", "localhost:5000", "http://localhost:5000", "base"],
    ["ghcr.io/acme/vast-base:rocm", "ghcr.io", "https://ghcr.io", "acme/vast-base"],
    ["registry.lan:8443/team/img:v1", "registry.lan:8443", "https://registry.lan:8443", "team/img"],
    ["debian:bookworm", "docker.io", "https://registry-1.docker.io", "library/debian"],
    ["acme/base:1", "docker.io", "https://registry-1.docker.io", "acme/base"],
    ["docker.io/debian:12", "docker.io", "https://registry-1.docker.io", "library/debian"],
    ["index.docker.io/acme/base:2", "docker.io", "https://registry-1.docker.io", "acme/base"],
  ];
  for (const [ref, registry, baseUrl, name] of table) {
    assert.deepEqual(locateImage(ref), { registry, baseUrl, name, tag: ref.slice(ref.lastIndexOf(":") + 1) }, ref);
  }
});

test(
  "answers a bearer-token challenge with the resource's credentials, and a refused token is DOCKER_REGISTRY_ERROR without the password",
  { timeout: 120_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "vast-kit-image-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "Dockerfile"), "FROM vast-kit/debian-base:bookworm\nRUN echo token-test > /marker\n");
    const name = "vast-kit/registry-test";
    const tag = String(Date.now());
    const pushed = (
      await image.create(
        {},
        (
          await image.check(
            {},
            { context: dir, dockerfile: join(dir, "Dockerfile"), ref: `127.0.0.1:5000/${name}:${tag}`, sourceHash: "1" },
          )
        ).inputs as image.ImageInputs,
      )
    ).outs as image.ImageOutputs;

    // A token gate in front of the local registry, speaking the distribution token protocol.
    const password = "pw-7a2e-token-gate";
    const scopes: string[] = [];
    const gate = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://gate");
      if (url.pathname === "/token") {
        scopes.push(`${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
        const ok = req.headers.authorization === `Basic ${Buffer.from(`ci:${password}`).toString("base64")}`;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(ok ? JSON.stringify({ token: "t-1" }) : "{}");
        return;
      }
      if (req.headers.authorization !== "Bearer t-1") {
        res
          .writeHead(401, {
            "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="gate",scope="repository:${name}:pull"`,
          })
          .end();
        return;
      }
      const upstream = await request(`http://127.0.0.1:5000${req.url}`, { headers: { accept: req.headers.accept ?? "" } });
      res.writeHead(upstream.statusCode, { "docker-content-digest": String(upstream.headers["docker-content-digest"] ?? "") });
      res.end(Buffer.from(await upstream.body.arrayBuffer()));
    });
    const port = await listenOn(gate);
    t.after(() => new Promise((resolve) => gate.close(resolve)));

    const address = `127.0.0.1:${port}`;
    const props = { ...pushed, ref: `${address}/${name}:${tag}`, registryAuth: { address, username: "ci", password } };
    assert.deepEqual(await image.read({}, "id-1", props), { id: "id-1", props });
    assert.deepEqual(scopes, [`gate repository:${name}:pull`]);

    const refused = await image
      .read({}, "id-1", { ...props, registryAuth: { address, username: "ci", password: `${password}-wrong` } })
      .then(
        () => assert.fail("the token should be refused"),
        (e: unknown) => e as Error & { code: string; status: number },
      );
    assert.equal(refused.code, "DOCKER_REGISTRY_ERROR");
    assert.equal(refused.status, 401);
    assert.equal(
      refused.message,
      `image ${address}/${name}:${tag}: the token service http://${address}/token answered 401 without a token`,
    );

    // Credentials for another registry are not sent here: the gate refuses the anonymous token request.
    await assert.rejects(image.read({}, "id-1", { ...props, registryAuth: { address: "ghcr.io", username: "ci", password } }), {
      code: "DOCKER_REGISTRY_ERROR",
      status: 401,
    });
  },
);
