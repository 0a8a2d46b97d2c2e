/**
 * `node portal/server.ts` in the foreground: one line per listener once it
 * accepts connections, a clean exit 0 on SIGTERM, exit 1 naming the entry
 * for a malformed PORTAL_CONFIG, and the front process's supervision.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { freePort, get, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";

const SERVER = new URL("../../portal/server.ts", import.meta.url).pathname;

test("runs in the foreground, prints each listener when it accepts, and exits 0 on SIGTERM", { timeout: 30_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const [front, app, tm] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [SERVER], {
    env: await portalTestEnv(root, app, front, {
      PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal|localhost:8080:8080:/:Direct`,
      PORTAL_TUNNEL_API_PORT: String(tm),
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const lines: string[] = [];
  const frontLine = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      if (line.includes('front "Instance Portal" listening')) resolve();
    });
  });
  await frontLine;
  assert.ok(lines.some((l) => l === `portal: app listening on http://127.0.0.1:${app}`));
  assert.ok(lines.some((l) => l === `portal: tunnel API listening on http://127.0.0.1:${tm}`));
  assert.ok(lines.some((l) => l === `portal: front "Instance Portal" listening on http://127.0.0.1:${front} → localhost:${app}`));
  assert.ok(!lines.some((l) => l.includes('"Direct"')), "no front for an entry with equal ports");
  assert.ok(!lines.some((l) => l.includes("tok")), "the token is never printed");
  assert.equal((await get(front, "/health", { headers: { Authorization: "Bearer tok" } })).status, 200);
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  assert.ok(lines.includes("portal: SIGTERM: closing"));
});

test("a malformed PORTAL_CONFIG exits 1 with the entry named on stderr", { timeout: 30_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      INSTANCE_ROOT: root,
      PORTAL_CONFIG: "localhost:1111:11111:/:Portal|localhost:80:x:/:Bad",
      PORTAL_APP_PORT: String(await freePort()),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = await once(child, "exit");
  assert.equal(code, 1);
  assert.match(stderr, /PORTAL_CONFIG entry 2 \("localhost:80:x:\/:Bad"\): internal_port "x" is not a port number/);
});

/** Start `node portal/server.ts` with one authenticated front; resolves once the front listens. */
async function startForeground(t: TestContext): Promise<{ child: ChildProcess; front: number; lines: string[] }> {
  const root = await tempInstanceRoot(t);
  const [front, app, tm] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [SERVER], {
    env: await portalTestEnv(root, app, front, { PORTAL_TUNNEL_API_PORT: String(tm) }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      if (line.includes(`listening on http://127.0.0.1:${front}`)) resolve();
    });
  });
  return { child, front, lines };
}

/** The pid of the process listening on `port` (from /proc, like `ss -p`). */
async function listenerPid(port: number): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const table = await fs.readFile("/proc/net/tcp", "utf8");
  const inode = table
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A")?.[9];
  if (inode === undefined) return undefined;
  for (const pid of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")) === `socket:[${inode}]`) return Number(pid);
    }
  }
  return undefined;
}

test("the fronts run in a child process that the portal restarts when it dies", { timeout: 30_000 }, async (t) => {
  const { child, front, lines } = await startForeground(t);
  const first = await listenerPid(front);
  assert.ok(first !== undefined && first !== child.pid, `the front listens in its own process (listener ${first}, portal ${child.pid})`);
  assert.equal((await get(front, "/health", { headers: { Authorization: "Bearer tok" } })).status, 200);
  process.kill(first, "SIGKILL");
  const second = await waitFor(
    "a new front process",
    async () => {
      const pid = await listenerPid(front);
      return pid !== undefined && pid !== first ? pid : undefined;
    },
    10_000,
  );
  assert.ok(
    lines.some((l) => l.includes("the front process exited (SIGKILL); restarting it")),
    lines.join("\n"),
  );
  assert.equal((await get(front, "/health", { headers: { Authorization: "Bearer tok" } })).status, 200);
  assert.equal((await get(front, "/health")).status, 401);
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  assert.equal(await listenerPid(front), undefined, "nothing listens after the portal exits");
  assert.throws(() => process.kill(second, 0), "the front process is gone");
});

test("a front process whose portal is killed exits and frees its port", { timeout: 30_000 }, async (t) => {
  const { child, front } = await startForeground(t);
  const frontPid = await listenerPid(front);
  assert.ok(frontPid !== undefined);
  child.kill("SIGKILL");
  await waitFor("the port to be free", async () => (await listenerPid(front)) === undefined || undefined, 10_000);
  await waitFor(
    "the front process to exit",
    () => {
      try {
        process.kill(frontPid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    10_000,
  );
});
