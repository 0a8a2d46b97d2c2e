/**
 * image/build/fetch-pinned.sh, the image build's one way to download a pinned release file: the
 * URL gets the machine's architecture, the file must match that architecture's sha256, and a
 * mismatch or an unknown architecture fails the build.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { listenOn } from "../_support/net.ts";

const run = promisify(execFile);
const script = resolve(import.meta.dirname, "../../image/build/fetch-pinned.sh");

test("downloads the file named for this architecture and checks its pinned sha256", async (t) => {
  const files: Record<string, string> = { "/tool-linux-amd64": "amd64 build", "/tool-linux-arm64": "arm64 build" };
  const server = createServer((req, res) => (files[req.url ?? ""] ? res.end(files[req.url!]) : res.writeHead(404).end()));
  const port = await listenOn(server);
  t.after(() => server.close());
  const dir = await mkdtemp(join(tmpdir(), "fetch-pinned-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const fetch = (arch: string, amd64: string, arm64: string, dest: string) =>
    run("bash", [script, `http://127.0.0.1:${port}/tool-linux-{arch}`, amd64, arm64, dest], {
      env: { ...process.env, FETCH_PINNED_ARCH: arch },
    });

  await fetch("arm64", sha("amd64 build"), sha("arm64 build"), join(dir, "ok"));
  assert.equal(await readFile(join(dir, "ok"), "utf8"), "arm64 build");
  await assert.rejects(fetch("amd64", sha("something else"), sha("arm64 build"), join(dir, "bad")), /FAILED/);
  await assert.rejects(fetch("riscv64", "x", "y", join(dir, "none")), /unsupported architecture riscv64/);
});
