/**
 * The entrypoint's boot sequence in a temp instance root (INSTANCE_ROOT), with a stand-in
 * supervisord and a provisioning script served from 127.0.0.1: step order, what each step leaves
 * behind, failure recording, and the signal path of the real `node portal/entrypoint/main.ts` process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { runBoot } from "../../../portal/entrypoint/boot.ts";
import type { BootContext } from "../../../portal/entrypoint/context.ts";
import { waitFor } from "../../_support/poll.ts";
import { fakeSupervisord, makeInstanceRoot, readIfExists, serveScripts } from "./_helpers.ts";

const ENTRYPOINT = path.resolve(import.meta.dirname, "../../../portal/entrypoint/main.ts");

const PORTAL_CONFIG = "localhost:1111:11111:/:Instance Portal|localhost:8384:18384:/:Syncthing";

interface Booted {
  readonly root: string;
  readonly ctx: BootContext;
  readonly exit: Promise<number>;
  /** Stop the fake supervisord and wait for runBoot to return. */
  stop(): Promise<number>;
}

/** Start runBoot on a fresh (or given) root and wait until the boot has finished its steps. */
async function boot(env: Record<string, string>, root?: string): Promise<Booted> {
  const instanceRoot = root ?? (await makeInstanceRoot());
  const log = path.join(instanceRoot, "var/log/portal/boot.log");
  // Only this boot's lines count: a second boot on the same root appends to the first one's log.
  const before = (await readIfExists(log))?.length ?? 0;
  let ctx: BootContext | undefined;
  const exit = runBoot({
    handleSignals: false,
    env: {
      PATH: process.env.PATH,
      INSTANCE_ROOT: instanceRoot,
      SUPERVISORD_BIN: await fakeSupervisord(instanceRoot),
      CONTAINER_ID: "4242",
      PORTAL_CONFIG,
      OPEN_BUTTON_TOKEN: "tok-123",
      ...env,
    },
    onContext: (c) => {
      ctx = c;
    },
  });
  const fresh = async () => ((await readIfExists(log)) ?? "").slice(before);
  await Promise.race([
    waitFor("the boot to finish its steps", async () => (await fresh()).includes("waiting on supervisord")),
    exit.then((code) => assert.fail(`runBoot returned ${code} before waiting on supervisord`)),
  ]);
  const booted = ctx as BootContext;
  await Promise.all(booted.background);
  return {
    root: instanceRoot,
    ctx: booted,
    exit,
    async stop() {
      booted.supervisord?.kill("SIGTERM");
      return exit;
    },
  };
}

test("boots an instance root: steps in order, each leaving its file, then waits on supervisord", async (t) => {
  const server = await serveScripts({
    "/provision.sh": [
      200,
      '#!/bin/bash\r\necho "provisioning in $PWD"\r\n[ -S "$INSTANCE_ROOT/var/run/supervisor.sock" ] && echo "supervisord is up"\r\necho ran >> "$INSTANCE_ROOT/provision-count"\r\n',
    ],
  });
  t.after(() => server.close());
  const root = await makeInstanceRoot();
  await fs.writeFile(path.join(root, "etc/vast_boot.d/20-app-env.sh"), 'export FROM_HOOK="hook value with \\"quotes\\" and \\$dollar"\n');
  const b = await boot({ PROVISIONING_SCRIPT: `${server.url}/provision.sh`, VAST_TCP_PORT_8080: "8080" }, root);
  t.after(() => b.stop());

  assert.deepEqual(b.ctx.failures, []);
  const log = (await readIfExists(path.join(root, "var/log/portal/boot.log"))) ?? "";
  const started = [...log.matchAll(/step (\S+): start/g)].map((m) => m[1]);
  assert.deepEqual(started, [
    "log-dirs",
    "hook:20-app-env.sh",
    "jupyter-mode",
    "environment",
    "provisioning-lock",
    "ssh-keys",
    "hydrate-workspace",
    "portal-config",
    "tls",
    "supervisord",
    "provisioning",
    "provisioning-unlock",
  ]);
  assert.equal([...log.matchAll(/step \S+: done in/g)].length, started.length);

  const environment = (await readIfExists(path.join(root, "etc/environment"))) ?? "";
  assert.match(environment, /^# Template controlled environment for C\.4242\n/);
  assert.match(environment, /^FROM_HOOK="hook value with \\"quotes\\" and \\\$dollar"$/m);
  // Entrypoint mode with 8080 mapped: Jupyter is added back to PORTAL_CONFIG (§1.2 rule 2).
  assert.match(environment, /^PORTAL_CONFIG=".*\|localhost:8080:18080:\/:Jupyter\|/m);

  const supervisord = JSON.parse((await readIfExists(path.join(root, "fake-supervisord.json"))) ?? "{}") as {
    env: Record<string, string>;
    argv: string[];
  };
  assert.equal(supervisord.env.FROM_HOOK, 'hook value with "quotes" and $dollar');
  assert.deepEqual(supervisord.argv, ["-n", "-c", path.join(root, "etc/supervisor/supervisord.conf")]);

  assert.equal(await readIfExists(path.join(root, ".provisioning")), undefined, "the lock is removed");
  assert.notEqual(await readIfExists(path.join(root, ".provisioning_complete")), undefined);
  const provLog = (await readIfExists(path.join(root, "var/log/portal/provisioning.log"))) ?? "";
  assert.match(provLog, new RegExp(`provisioning in ${path.join(root, "workspace")}`));
  assert.match(provLog, /supervisord is up/);
  assert.match(provLog, />>> Provisioning complete/);
  assert.equal(await readIfExists(path.join(root, "provision-count")), "ran\n");

  assert.equal(
    await readIfExists(path.join(root, "home/user/.ssh/authorized_keys")),
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootTestKey root@test\n",
  );
  assert.equal((await fs.stat(path.join(root, "home/user/.ssh"))).mode & 0o777, 0o700);
  assert.equal((await fs.stat(path.join(root, "home/user/.ssh/authorized_keys"))).mode & 0o777, 0o600);
  assert.match((await readIfExists(path.join(root, "etc/instance.crt"))) ?? "", /BEGIN CERTIFICATE/);
  assert.match((await readIfExists(path.join(root, "etc/portal.yaml"))) ?? "", /Syncthing:\n/);
  assert.equal((await fs.stat(path.join(root, "var/log/portal"))).mode & 0o7777, 0o1777);

  assert.equal(await b.stop(), 0);
});

test("a failing provisioning script is recorded, the lock still goes, and supervisord keeps running", async (t) => {
  const server = await serveScripts({ "/bad.sh": [200, 'echo "about to fail"\nexit 3\n'] });
  t.after(() => server.close());
  const b = await boot({ PROVISIONING_SCRIPT: `${server.url}/bad.sh` });
  t.after(() => b.stop());

  assert.deepEqual(
    b.ctx.failures.map((f) => [f.step, f.code]),
    [["provisioning", "ENTRYPOINT_PROVISIONING_FAILED"]],
  );
  assert.equal(b.ctx.supervisord?.exitCode, null, "supervisord is still running");
  assert.equal(await readIfExists(path.join(b.root, ".provisioning")), undefined);
  assert.notEqual(await readIfExists(path.join(b.root, ".provisioning_failed")), undefined);
  assert.equal(await readIfExists(path.join(b.root, ".provisioning_complete")), undefined);
  const provLog = (await readIfExists(path.join(b.root, "var/log/portal/provisioning.log"))) ?? "";
  assert.match(provLog, /about to fail/);
  assert.match(provLog, />>> Provisioning FAILED: provisioning script exited with status 3/);
  assert.match(provLog, /Services keep running/);
  assert.match(
    (await readIfExists(path.join(b.root, "var/log/vast_boot_failures"))) ?? "",
    /provisioning ENTRYPOINT_PROVISIONING_FAILED: provisioning script exited with status 3/,
  );
  assert.equal(await b.stop(), 0);
});

test("a provisioning URL answering 404 runs nothing and names the status", async (t) => {
  const server = await serveScripts({});
  t.after(() => server.close());
  const b = await boot({ PROVISIONING_SCRIPT: `${server.url}/missing.sh?token=secret` });
  t.after(() => b.stop());
  assert.deepEqual(
    b.ctx.failures.map((f) => f.code),
    ["ENTRYPOINT_PROVISIONING_DOWNLOAD_FAILED"],
  );
  assert.equal(b.ctx.failures[0]?.message, `GET ${server.url}/missing.sh answered 404: not found`);
  assert.equal(await readIfExists(path.join(b.root, "provisioning.sh")), undefined);
  assert.equal(await b.stop(), 0);
});

test("a hook that outlives the step time limit is recorded and the boot goes on", async (t) => {
  const root = await makeInstanceRoot();
  await fs.writeFile(path.join(root, "etc/vast_boot.d/05-slow.sh"), "sleep 30\n");
  await fs.writeFile(path.join(root, "etc/vast_boot.d/06-exits.sh"), "exit 4\n");
  const started = Date.now();
  const b = await boot({ BOOT_STEP_TIMEOUT_SECONDS: "1" }, root);
  t.after(() => b.stop());
  assert.ok(Date.now() - started < 10_000, "the slow hook was cut off");
  assert.deepEqual(
    b.ctx.failures.map((f) => [f.step, f.code]),
    [
      ["hook:05-slow.sh", "ENTRYPOINT_STEP_TIMEOUT"],
      ["hook:06-exits.sh", "ENTRYPOINT_HOOK_FAILED"],
    ],
  );
  assert.equal(b.ctx.failures[0]?.message, "step hook:05-slow.sh did not finish within 1s");
  assert.notEqual(b.ctx.supervisord, undefined);
  assert.equal(await b.stop(), 0);
});

test("a second boot keeps the first boot's /etc/environment and does not provision again", async (t) => {
  const server = await serveScripts({ "/p.sh": [200, 'echo ran >> "$INSTANCE_ROOT/provision-count"\n'] });
  t.after(() => server.close());
  const first = await boot({ PROVISIONING_SCRIPT: `${server.url}/p.sh`, MARK: "first" });
  assert.equal(await first.stop(), 0);
  const second = await boot({ PROVISIONING_SCRIPT: `${server.url}/p.sh`, MARK: "second" }, first.root);
  t.after(() => second.stop());
  assert.equal(await readIfExists(path.join(first.root, "provision-count")), "ran\n");
  assert.equal(server.hits.length, 1);
  assert.match((await readIfExists(path.join(first.root, "etc/environment"))) ?? "", /^MARK="first"$/m);
  // The first boot's values win in the boot environment too (the "edit /etc/environment" mechanism).
  assert.equal(second.ctx.env.MARK, "first");
  assert.equal(await second.stop(), 0);
});

/** Run the real program: `node portal/entrypoint/main.ts` on a temp root. */
async function spawnBoot(t: import("node:test").TestContext, env: Record<string, string>) {
  const root = await makeInstanceRoot();
  const child = spawn(process.execPath, [ENTRYPOINT, "--no-such-flag"], {
    env: { PATH: process.env.PATH, INSTANCE_ROOT: root, SUPERVISORD_BIN: await fakeSupervisord(root), PORTAL_CONFIG, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitFor("waiting on supervisord", () => stdout.includes("waiting on supervisord"));
  return { root, child, exited, out: () => stdout, err: () => stderr };
}

test("SIGTERM is forwarded to supervisord and the entrypoint exits 0 with it", async (t) => {
  const p = await spawnBoot(t, {});
  assert.match(p.out(), /WARN unknown argument "--no-such-flag" ignored/);
  const sent = Date.now();
  p.child.kill("SIGTERM");
  assert.equal(await p.exited, 0);
  assert.ok(Date.now() - sent < 3000);
  assert.equal(await readIfExists(path.join(p.root, "fake-supervisord.signals")), "SIGTERM\n");
  assert.match(p.out(), /SIGTERM received: stopping supervisord/);
});

test("supervisord that ignores SIGTERM is killed after the grace and the entrypoint exits 1, saying why", async (t) => {
  const p = await spawnBoot(t, { FAKE_SUPERVISORD_IGNORE_TERM: "1", SHUTDOWN_GRACE_SECONDS: "1" });
  p.child.kill("SIGINT");
  assert.equal(await p.exited, 1);
  assert.equal(await readIfExists(path.join(p.root, "fake-supervisord.signals")), "SIGINT\n");
  assert.match(p.err(), /supervisord did not stop within 1s of SIGINT: killing it/);
});

test("a second signal exits at once with status 1", async (t) => {
  const p = await spawnBoot(t, { FAKE_SUPERVISORD_IGNORE_TERM: "1", SHUTDOWN_GRACE_SECONDS: "30" });
  p.child.kill("SIGTERM");
  await waitFor("the first signal to be handled", () => p.out().includes("SIGTERM received"));
  p.child.kill("SIGTERM");
  assert.equal(await p.exited, 1);
  assert.match(p.err(), /second SIGTERM: killing supervisord and exiting now/);
});
