/**
 * Shared setup for the entrypoint tests: temp instance roots, the fake supervisord, a local HTTP
 * server for provisioning scripts, and reading files that may not exist.
 */
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";

const instanceRoots: string[] = [];
// Removed once the file's tests are done (a root outlives its test when a second boot reuses it).
after(() => Promise.all(instanceRoots.map((root) => fs.rm(root, { recursive: true, force: true }))));

/** A temp folder laid out like a fresh container: root's SSH key, a `user` home, a workspace file. */
export async function makeInstanceRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "vk-boot-"));
  instanceRoots.push(root);
  await fs.mkdir(path.join(root, "root/.ssh"), { recursive: true });
  await fs.writeFile(path.join(root, "root/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootTestKey root@test\n");
  await fs.mkdir(path.join(root, "home/user"), { recursive: true });
  await fs.mkdir(path.join(root, "workspace/data"), { recursive: true });
  await fs.writeFile(path.join(root, "workspace/data/model.bin"), "weights");
  await fs.mkdir(path.join(root, "etc/vast_boot.d"), { recursive: true });
  return root;
}

/** An executable that runs tests/portal/entrypoint/fixtures/fake-supervisord.ts with this Node. */
export async function fakeSupervisord(root: string): Promise<string> {
  const bin = path.join(root, "fake-supervisord");
  await fs.writeFile(
    bin,
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(import.meta.dirname, "fixtures/fake-supervisord.ts")}" "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

/** Serve `routes` (path → [status, body]) on 127.0.0.1, port 0; anything else is 404. */
export async function serveScripts(
  routes: Record<string, readonly [number, string]>,
): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    const route = routes[req.url ?? ""];
    res.writeHead(route?.[0] ?? 404, { "content-type": "text/plain", connection: "close" });
    res.end(route?.[1] ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** File text, or undefined when missing. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}
