/**
 * Autostop end to end (issue 12): instances of the image, run by the emulator in Docker mode as
 * Vast runs them (their own CONTAINER_API_KEY and CONTAINER_ID, the API reachable at the injected
 * VAST_API_URL), with an idle window of seconds (`AUTOSTOP_MINUTE_SECONDS=1`, test-only).
 *
 * - An idle instance stops itself: the emulator shows it stopped, its container has exited, and its
 *   log says what it did and why.
 * - Activity keeps it running, one source at a time, each held for more than twice the window: an
 *   open portal WebSocket (the live logs), an SSH session, a busy process. Then, with nothing left,
 *   it stops. No sshd is in the image (Vast's platform adds it), so the SSH session is a TCP
 *   connection to container port 22 (published by `ssh_direc`), which is exactly what the activity
 *   source recognises an SSH login by; a netcat listener stands in for sshd.
 * - From inside the container, its key reads itself and cannot touch another instance, list the
 *   instances or rent.
 * - Postponing from the portal's landing page in Chromium keeps the instance past its idle deadline.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { waitFor } from "../_support/poll.ts";
import { IMAGE, buildImage, docker, exec, request, requireDocker } from "./_container.ts";

const API_KEY = "autostop-image-test-key";
const REF = `127.0.0.1:5000/vast-kit/autostop-test:${process.pid}`;
const BOOT_MS = 180_000;
let emulator: RunningEmulator;

before(async () => {
  await requireDocker();
  await buildImage();
  await docker("tag", IMAGE, REF);
  await docker("push", REF);
  emulator = await startEmulator({ apiKey: API_KEY, docker: true });
});

after(async () => {
  await emulator?.removeContainers();
  await emulator?.close();
});

/** One call to the emulator with the account key. */
async function api(method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${emulator.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
}

interface Instance {
  readonly id: number;
  readonly container: string;
  readonly token: string;
  /** Host port of the portal (container 1111) and of container port 22. */
  readonly portal: number;
  readonly ssh: number;
}

/** Rents an instance of the image with `idleMinutes` (seconds here), waits until its portal answers. */
async function rent(idleMinutes: number): Promise<Instance> {
  const offer = (await api("POST", "/api/v0/bundles/", { limit: 1, order: [["dph_total", "asc"]] })).offers[0];
  const created = await api("PUT", `/api/v0/asks/${offer.id}/`, {
    client_id: "me",
    image: REF,
    disk: 10,
    runtype: "ssh_direc ssh_proxy",
    env: {
      "-p 1111:1111": "1",
      AUTOSTOP_IDLE_MINUTES: String(idleMinutes),
      AUTOSTOP_MINUTE_SECONDS: "1",
      PORTAL_DEFAULT_TUNNELS: "false",
    },
  });
  const id = created.new_contract as number;
  const shown = await waitFor(
    `instance ${id} running`,
    async () => {
      const instance = (await api("GET", `/api/v0/instances/${id}/`)).instances;
      return instance?.actual_status === "running" ? instance : undefined;
    },
    BOOT_MS,
    500,
  );
  const portal = Number(shown.ports["1111/tcp"][0].HostPort);
  const ssh = Number(shown.ports["22/tcp"][0].HostPort);
  await waitFor(`the portal of ${id}`, async () => (await request(`http://127.0.0.1:${portal}/`)).status === 401, BOOT_MS, 500);
  const container = `vast-kit-emu-${emulator.containerOwner}-${id}`;
  const token = emulator.instanceSecrets(id)?.open_button_token as string;
  return { id, container, token, portal, ssh };
}

/** `GET /autostop` through the portal's front, on a connection closed right after. */
async function autostopStatus(instance: Instance): Promise<any> {
  const reply = await request(`http://127.0.0.1:${instance.portal}/autostop`, { headers: { authorization: `Bearer ${instance.token}` } });
  assert.equal(reply.status, 200, reply.body);
  return JSON.parse(reply.body);
}

function intended(id: number): string | undefined {
  return emulator.listInstances().find((i) => i.id === id)?.intended_status;
}

async function waitStopped(instance: Instance, ms = 120_000): Promise<void> {
  await waitFor(`instance ${instance.id} to stop itself`, () => intended(instance.id) === "stopped", ms, 500);
  await waitFor(
    `container of ${instance.id} to exit`,
    async () => (await docker("inspect", "-f", "{{.State.Status}}", instance.container)).trim() === "exited",
    60_000,
    500,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let stoppedId = 0;

test("an idle instance stops itself through the Vast API and logs why", { timeout: 400_000 }, async () => {
  const instance = await rent(20);
  await waitStopped(instance);
  assert.equal(emulator.listInstances().find((i) => i.id === instance.id)?.actual_status, "exited");
  const logs = await docker("logs", instance.container);
  assert.match(logs, /autostop: on: stop after 20 idle minute\(s\) of 1 s/);
  assert.match(
    logs,
    new RegExp(`autostop: idle for \\d+ minute\\(s\\) of 20 \\(.*\\): asking Vast to stop instance ${instance.id} \\(http://`),
  );
  assert.match(logs, new RegExp(`autostop: Vast accepted: instance ${instance.id} will stop`));
  stoppedId = instance.id;
});

test(
  "an open portal WebSocket, an SSH session and a busy process each keep an instance running; then it stops",
  { timeout: 600_000 },
  async () => {
    const window = 12;
    const instance = await rent(window);
    const holdMs = 2.5 * window * 1000;

    // 1. The live-log WebSocket through the portal's front.
    const socket = new WebSocket(`ws://127.0.0.1:${instance.portal}/ws-logs?token=${instance.token}`);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("the WebSocket did not open"));
    });
    await sleep(holdMs);
    assert.equal(intended(instance.id), "running", "a WebSocket held it");
    assert.match((await autostopStatus(instance)).activity.join(", "), /open session/);
    socket.close();

    // 2. An SSH session: a connection to container port 22, where sshd would listen.
    await docker("exec", "-d", instance.container, "nc", "-l", "22");
    await waitFor(
      "the stand-in sshd",
      async () => (await exec(instance.container, "ss -Hltn 'sport = :22' | wc -l")).trim() === "1",
      10_000,
    );
    const ssh = net.connect(instance.ssh, "127.0.0.1");
    ssh.on("error", () => {});
    await sleep(holdMs);
    assert.equal(intended(instance.id), "running", "an SSH session held it");
    assert.match((await autostopStatus(instance)).activity.join(", "), /open session/);
    ssh.destroy();

    // 3. A busy process (bounded by `timeout`), and nothing else.
    await waitFor(
      "the session to close",
      async () => (await autostopStatus(instance)).activity.every((a: string) => !a.includes("1 open")),
      10_000,
    );
    await docker("exec", "-d", instance.container, "timeout", String(Math.ceil(holdMs / 1000) + 5), "sh", "-c", "while :; do :; done");
    await sleep(holdMs);
    assert.equal(intended(instance.id), "running", "a busy process held it");
    const busy = await autostopStatus(instance);
    assert.ok(
      busy.activity.some((a: string) => /^CPU \d+(\.\d)?% of a core > 20%$/.test(a)),
      JSON.stringify(busy.activity),
    );

    // From inside: the key reads its own instance and cannot touch another, list, or rent.
    const curl = (method: string, route: string) =>
      exec(
        instance.container,
        `curl -s -o /dev/null -w '%{http_code}' -X ${method} -H "Authorization: Bearer $CONTAINER_API_KEY" -H 'Content-Type: application/json' -d '{"state":"running"}' "$VAST_API_URL${route}"`,
      );
    assert.equal(await curl("GET", `/api/v0/instances/${instance.id}/`), "200");
    assert.equal(await curl("PUT", `/api/v0/instances/${stoppedId}/`), "403");
    assert.equal(await curl("DELETE", `/api/v0/instances/${stoppedId}/`), "403");
    assert.equal(await curl("GET", "/api/v1/instances/"), "403");
    assert.equal(await curl("PUT", "/api/v0/asks/1/"), "403");
    assert.equal(intended(stoppedId), "stopped", "the other instance was not started");

    // Nothing left: it stops by itself.
    await waitStopped(instance);
  },
);

test(
  "postponing from the portal's landing page in a browser keeps the instance past its idle deadline",
  { timeout: 600_000 },
  async (t) => {
    const window = 15;
    const instance = await rent(window);
    const profile = await fs.mkdtemp(path.join(os.tmpdir(), "autostop-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    t.after(() => fs.rm(profile, { recursive: true, force: true }));
    const seconds = (text: string) => {
      const m = /(?:(\d+) h )?(?:(\d+) min )?(\d+) s/.exec(text);
      assert.ok(m, text);
      return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]);
    };
    let clicked = 0;
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${instance.portal}/?token=${instance.token}`);
      await page.locator("#autostop-why", { hasText: "Active now" }).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator("#autostop-action").textContent(), "Stops itself");
      assert.ok(seconds((await page.locator("#autostop-left").textContent()) ?? "") <= window);
      clicked = Date.now();
      await page.click("#autostop-postpone");
      await page.locator("#autostop-why", { hasText: "postponed until" }).waitFor({ timeout: 10_000 });
      assert.ok(seconds((await page.locator("#autostop-left").textContent()) ?? "") > 40);
    } finally {
      await context.close();
    }
    const closed = Date.now();
    const status = await autostopStatus(instance);
    const until = Date.parse(status.postponedUntil);
    assert.ok(until >= clicked + 59_000 && until <= Date.now() + 61_000, `postponed until ${status.postponedUntil}`);
    // Past the idle deadline (the browser's last activity + the window), it still runs.
    await sleep(Math.max(0, closed + 2 * window * 1000 - Date.now()));
    assert.equal(intended(instance.id), "running");
    await waitStopped(instance);
    assert.ok(Date.now() >= until, "it stopped once the postponement ran out, not before");
  },
);
