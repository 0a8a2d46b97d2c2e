/**
 * Autostop in the portal process (portal/autostop/), against the Vast API emulator over loopback:
 * an idle instance asks Vast to stop itself with its own key and logs why; the countdown and the
 * postponement routes sit behind the portal's auth, and the postponement refuses what another site
 * could make a signed-in browser send. The sessions a container's TCP tables show are counted from
 * a real socket. (The whole feature inside a container of the image: tests/image/autostop.test.ts.)
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { countSessions, isLoopbackHex, parseTcpTable } from "../../portal/autostop/activity.ts";
import { loadSettings } from "../../portal/config.ts";
import { isPortalError } from "../../portal/errors.ts";
import { startPortal } from "../../portal/server.ts";
import { freePort, get, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";

const API_KEY = "autostop-account-key";

/** An emulator with one running instance; returns it with the instance's id and own key. */
async function emulatorWithInstance(t: TestContext): Promise<{ emulator: RunningEmulator; id: number; key: string }> {
  const emulator = await startEmulator({
    apiKey: API_KEY,
    rateLimits: false,
    timings: { schedulingMs: 10, loadingMs: 10, stoppingMs: 10 },
  });
  t.after(() => emulator.close());
  const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
  const offers = (await (
    await fetch(`${emulator.url}/api/v0/bundles/`, { method: "POST", headers: auth, body: JSON.stringify({ limit: 1 }) })
  ).json()) as { offers: Array<{ id: number }> };
  const rent = await fetch(`${emulator.url}/api/v0/asks/${offers.offers[0]?.id}/`, {
    method: "PUT",
    headers: auth,
    body: JSON.stringify({ client_id: "me", image: "vast-kit/base", disk: 10 }),
  });
  const created = (await rent.json()) as { new_contract: number; instance_api_key: string };
  return { emulator, id: created.new_contract, key: created.instance_api_key };
}

async function portalFor(t: TestContext, extra: Record<string, string>) {
  const root = await tempInstanceRoot(t);
  const [app, front] = [await freePort(), await freePort()];
  const lines: string[] = [];
  const portal = await startPortal({ env: await portalTestEnv(root, app, front, extra), log: (l) => lines.push(l) });
  t.after(() => portal.close());
  return { root, front, lines };
}

test("an idle instance asks Vast to stop itself with its own key, and logs what it did and why", async (t) => {
  const { emulator, id, key } = await emulatorWithInstance(t);
  const { lines } = await portalFor(t, {
    CONTAINER_ID: String(id),
    CONTAINER_API_KEY: key,
    VAST_API_URL: emulator.url,
    AUTOSTOP_IDLE_MINUTES: "2",
    AUTOSTOP_MINUTE_SECONDS: "1",
  });
  const stopped = await waitFor(
    "the instance to be stopped",
    () => emulator.listInstances().find((i) => i.intended_status === "stopped"),
    20_000,
  );
  assert.equal(stopped.id, id);
  await waitFor("the log of Vast's answer", () => lines.some((l) => l.includes("Vast accepted")));
  const said = lines.filter((l) => l.startsWith("autostop:")).join("\n");
  assert.match(said, /autostop: on: stop after 2 idle minute\(s\) of 1 s/);
  assert.match(
    said,
    new RegExp(`idle for \\d+ minute\\(s\\) of 2 \\(0 open sessions, .*no provisioning\\): asking Vast to stop instance ${id}`),
  );
  assert.match(said, new RegExp(`Vast accepted: instance ${id} will stop`));
  assert.ok(!said.includes(key), "the key never reaches the log");
});

test("an instance provisioning is active, and destroy is the action when asked for", async (t) => {
  const { emulator, id, key } = await emulatorWithInstance(t);
  const { root, front, lines } = await portalFor(t, {
    CONTAINER_ID: String(id),
    CONTAINER_API_KEY: key,
    VAST_API_URL: emulator.url,
    AUTOSTOP_IDLE_MINUTES: "2",
    AUTOSTOP_MINUTE_SECONDS: "1",
    AUTOSTOP_ACTION: "destroy",
  });
  await fs.writeFile(path.join(root, ".provisioning"), "now\n");
  const active = await waitFor("provisioning to show as activity", async () => {
    const status = JSON.parse((await get(front, "/autostop", { headers: { Authorization: "Bearer tok" } })).body);
    return status.activity.includes("provisioning running") ? status : undefined;
  });
  assert.equal(active.action, "destroy");
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(emulator.listInstances().length, 1, "still there while provisioning runs, past the 2 s window");
  await fs.rm(path.join(root, ".provisioning"));
  await waitFor("the instance to be destroyed", () => emulator.listInstances().length === 0, 20_000);
  assert.ok(lines.some((l) => l.includes(`asking Vast to destroy instance ${id}`)));
});

test("a GPU busier than the threshold keeps the instance running; below it, the instance stops", async (t) => {
  // The nvidia-smi stand-in (fixtures/gpu) is found on this process's PATH, as the portal runs it.
  const rows = path.join(await tempInstanceRoot(t), "gpu-rows");
  await fs.writeFile(rows, "3, 100, 24000\n85, 20000, 24000\n");
  const savedPath = process.env.PATH;
  process.env.PATH = `${new URL("./fixtures/gpu", import.meta.url).pathname}:${savedPath}`;
  process.env.FAKE_NVIDIA_SMI_ROWS = rows;
  t.after(() => {
    process.env.PATH = savedPath;
    delete process.env.FAKE_NVIDIA_SMI_ROWS;
  });
  const { emulator, id, key } = await emulatorWithInstance(t);
  const { front } = await portalFor(t, {
    CONTAINER_ID: String(id),
    CONTAINER_API_KEY: key,
    VAST_API_URL: emulator.url,
    AUTOSTOP_IDLE_MINUTES: "2",
    AUTOSTOP_MINUTE_SECONDS: "1",
    AUTOSTOP_GPU_THRESHOLD: "50",
  });
  const status = async () => JSON.parse((await get(front, "/autostop", { headers: { Authorization: "Bearer tok" } })).body);
  await waitFor("the busy GPU to show as activity", async () => (await status()).activity.includes("GPU 85% > 50%"));
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(emulator.listInstances()[0]?.intended_status, "running", "a busy GPU held it past the 2 s window");
  await fs.writeFile(rows, "3, 100, 24000\n40, 20000, 24000\n");
  await waitFor("the instance to stop", () => emulator.listInstances()[0]?.intended_status === "stopped", 20_000);
});

test("a refused stop is logged with Vast's answer, shown on the countdown, and tried again; the key stays out of both", async (t) => {
  const { emulator, id } = await emulatorWithInstance(t);
  const wrongKey = "not-the-instance-key-0123456789";
  const { front, lines } = await portalFor(t, {
    CONTAINER_ID: String(id),
    CONTAINER_API_KEY: wrongKey,
    VAST_API_URL: emulator.url,
    AUTOSTOP_IDLE_MINUTES: "1",
    AUTOSTOP_MINUTE_SECONDS: "1",
  });
  const failed = await waitFor(
    "two tries",
    () => (lines.filter((l) => l.includes("the stop failed")).length >= 2 ? lines : undefined),
    20_000,
  );
  const failure = failed.find((l) => l.includes("the stop failed")) ?? "";
  assert.match(failure, new RegExp(`PUT ${emulator.url}/api/v0/instances/${id}/ answered 401: Invalid user key`));
  const status = JSON.parse((await get(front, "/autostop", { headers: { Authorization: "Bearer tok" } })).body);
  assert.match(status.lastError, /answered 401: Invalid user key/);
  assert.ok(!JSON.stringify({ lines, status }).includes(wrongKey));
  assert.equal(emulator.listInstances()[0]?.intended_status, "running");
});

test("the countdown and the postponement need the portal's auth; the postponement refuses cross-site and non-JSON requests", async (t) => {
  const { emulator, id, key } = await emulatorWithInstance(t);
  const { front } = await portalFor(t, {
    CONTAINER_ID: String(id),
    CONTAINER_API_KEY: key,
    VAST_API_URL: emulator.url,
    AUTOSTOP_IDLE_MINUTES: "30",
    AUTOSTOP_MINUTE_SECONDS: "1",
  });
  const auth = { Authorization: "Bearer tok" };
  assert.equal((await get(front, "/autostop")).status, 401);
  assert.equal(
    (await get(front, "/autostop/postpone", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status,
    401,
  );

  const before = JSON.parse((await get(front, "/autostop", { headers: auth })).body);
  assert.equal(before.enabled, true);
  assert.equal(before.idleMinutes, 30);
  assert.ok(before.secondsLeft <= 30 && before.secondsLeft > 0, `secondsLeft ${before.secondsLeft}`);
  assert.equal(before.postponedUntil, null);

  const refused = [
    { headers: auth, body: "{}" },
    { headers: { ...auth, "Content-Type": "application/x-www-form-urlencoded" }, body: "minutes=60" },
    { headers: { ...auth, "Content-Type": "application/json", Origin: "https://evil.example" }, body: "{}" },
    { headers: { ...auth, "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" }, body: "{}" },
  ];
  for (const request of refused) {
    const answer = await get(front, "/autostop/postpone", { method: "POST", ...request });
    assert.equal(answer.status, 403, JSON.stringify(request.headers));
  }
  const bad = await get(front, "/autostop/postpone", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ minutes: 0 }),
  });
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).detail, /^minutes: /);

  const postponed = await get(front, "/autostop/postpone", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", Origin: `http://127.0.0.1:${front}`, "Sec-Fetch-Site": "same-origin" },
    body: JSON.stringify({ minutes: 600 }),
  });
  assert.equal(postponed.status, 200, postponed.body);
  const after = JSON.parse(postponed.body);
  assert.ok(after.secondsLeft > 590, `secondsLeft ${after.secondsLeft}`);
  assert.ok(Date.parse(after.postponedUntil) > Date.parse(before.deadline));
  assert.equal(JSON.parse((await get(front, "/autostop", { headers: auth })).body).postponedUntil, after.postponedUntil);
});

test("without AUTOSTOP_IDLE_MINUTES autostop is off, says why, and cannot be postponed", async (t) => {
  const { front, lines } = await portalFor(t, {});
  const status = JSON.parse((await get(front, "/autostop", { headers: { Authorization: "Bearer tok" } })).body);
  assert.equal(status.enabled, false);
  assert.equal(status.off, "AUTOSTOP_IDLE_MINUTES is not set");
  assert.ok(lines.includes("autostop: off (AUTOSTOP_IDLE_MINUTES is not set)"));
  const answer = await get(front, "/autostop/postpone", {
    method: "POST",
    headers: { Authorization: "Bearer tok", "Content-Type": "application/json" },
    body: "{}",
  });
  assert.equal(answer.status, 409);
});

test("bad autostop settings fail the portal's settings, naming the key", () => {
  for (const [key, value, rule] of [
    ["AUTOSTOP_ACTION", "pause", 'must be "stop" or "destroy"'],
    ["AUTOSTOP_IDLE_MINUTES", "ten", "must be a whole number"],
    ["AUTOSTOP_CPU_THRESHOLD", "150", "must be a percentage from 0 to 100"],
    ["AUTOSTOP_GPU_THRESHOLD", "-1", "must be a percentage from 0 to 100"],
    ["AUTOSTOP_MINUTE_SECONDS", "0", "must be at least 1"],
    ["VAST_API_URL", "ftp://x", "must be an http(s) URL"],
  ] as const) {
    assert.throws(
      () => loadSettings({ [key]: value }),
      (err: unknown) => isPortalError(err, "PORTAL_SETTINGS_INVALID") && err.message.includes(rule) && err.message.includes(`at ${key}`),
      key,
    );
  }
  const defaults = loadSettings({}).autostop;
  assert.deepEqual(
    { ...defaults },
    {
      idleMinutes: 0,
      action: "stop",
      gpuThreshold: 5,
      cpuThreshold: 20,
      minuteSeconds: 60,
      apiUrl: "https://console.vast.ai",
      apiKey: undefined,
    },
  );
});

test("a connection to a port listening beyond loopback is a session; one to a loopback-only port is not", async (t) => {
  const mine = (port: number) => async () => {
    const sockets = [
      ...parseTcpTable(await fs.readFile("/proc/net/tcp", "utf8")),
      ...parseTcpTable(await fs.readFile("/proc/net/tcp6", "utf8")),
    ];
    return countSessions(sockets.filter((s) => s.localPort === port));
  };
  const open = net.createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve) => open.listen(0, "0.0.0.0", resolve));
  const loopback = net.createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve) => loopback.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    open.close();
    loopback.close();
  });
  const openPort = (open.address() as net.AddressInfo).port;
  const loopbackPort = (loopback.address() as net.AddressInfo).port;
  assert.equal(await mine(openPort)(), 0);

  const client = net.connect(openPort, "127.0.0.1");
  const local = net.connect(loopbackPort, "127.0.0.1");
  await waitFor("the session to show", async () => (await mine(openPort)()) === 1);
  assert.equal(await mine(loopbackPort)(), 0);
  client.destroy();
  local.destroy();
  await waitFor("the session to go", async () => (await mine(openPort)()) === 0);
});

test("loopback addresses are told apart in the kernel's hex", () => {
  for (const [hex, loop] of [
    ["0100007F", true], // 127.0.0.1
    ["0101A8C0", false], // 192.168.1.1
    ["00000000", false], // 0.0.0.0
    ["00000000000000000000000001000000", true], // ::1
    ["0000000000000000FFFF00000100007F", true], // ::ffff:127.0.0.1
    ["0000000000000000FFFF00000200A8C0", false], // ::ffff:192.168.0.2
    ["00000000000000000000000000000000", false], // ::
  ] as const) {
    assert.equal(isLoopbackHex(hex), loop, hex);
  }
});
