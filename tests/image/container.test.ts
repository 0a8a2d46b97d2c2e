/**
 * The image, built and booted with the real Docker engine on the local Debian stand-in base
 * (toolchain/docker.sh must have run: dockerd up, vast-kit/debian-base:bookworm imported).
 *
 * Container A runs the default apps (portal, Jupyter, Syncthing) with a PROVISIONING_SCRIPT served
 * from this machine on the docker bridge address only; container B runs with ENABLE_HTTPS=true and
 * only the portal configured. Ports are published on 127.0.0.1 only.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { Agent, WebSocket } from "undici";
import { freePort } from "../_support/net.ts";
import { waitFor } from "../_support/poll.ts";
import { buildImage, docker, exec, IMAGE, request, requireDocker, run, supervisorStatus } from "./_container.ts";
import { executeRequest } from "../_support/jupyter.ts";

const suffix = randomBytes(3).toString("hex");
const TOKEN = `tok-${randomBytes(12).toString("hex")}`;
const LABEL = "C.4242";
const ROOT_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContainerTestKey root@vast";

/**
 * The address containers reach this machine on: docker0's. Read with `ip`, because Node's interface
 * list leaves out docker0 while no container is attached to it (the link is not RUNNING).
 */
async function bridgeGateway(): Promise<string> {
  const out = await run("ip", ["-4", "-o", "addr", "show", "docker0"]).then(
    (r) => r.stdout,
    () => "",
  );
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
  if (address === undefined) throw new Error("no docker0 address: is dockerd running (toolchain/docker.sh)?");
  return address;
}

const ports = { portal: 0, jupyter: 0, syncthing: 0, httpsPortal: 0 };
const A = `vk-test-a-${suffix}`;
const B = `vk-test-b-${suffix}`;
let scriptServer: http.Server | undefined;
let scriptUrl = "";
const scriptHits: string[] = [];
let firstAnswerMs = 0;

const PROVISIONING_SCRIPT = [
  "#!/bin/bash",
  'echo "provisioning as $(whoami) in $PWD"',
  'echo "run $(date +%s)" >> /root/provisioned.count',
  '[ -f /.provisioning ] && echo "lock present while provisioning"',
  "supervisorctl status instance_portal",
  "",
].join("\n");

before(async () => {
  await requireDocker();
  await buildImage();

  // The provisioning script, on the bridge address only, under an unguessable path; nothing else is served.
  const secretPath = `/${randomUUID()}/provision.sh`;
  scriptServer = http.createServer((req, res) => {
    scriptHits.push(req.url ?? "");
    if (req.method === "GET" && req.url === secretPath) {
      res.writeHead(200, { "content-type": "text/x-shellscript", connection: "close" });
      res.end(PROVISIONING_SCRIPT);
    } else {
      res.writeHead(404, { connection: "close" });
      res.end();
    }
  });
  const gateway = await bridgeGateway();
  await new Promise<void>((resolve) => scriptServer?.listen(0, gateway, resolve));
  scriptUrl = `http://${gateway}:${(scriptServer.address() as AddressInfo).port}${secretPath}`;

  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const common = [
    "--stop-timeout",
    "10",
    "-e",
    `OPEN_BUTTON_TOKEN=${TOKEN}`,
    "-e",
    `VAST_CONTAINERLABEL=${LABEL}`,
    "-e",
    "CONTAINER_ID=4242",
  ];
  await docker(
    "create",
    "--name",
    A,
    ...common,
    "-p",
    `127.0.0.1:${ports.portal}:1111`,
    "-p",
    `127.0.0.1:${ports.jupyter}:8080`,
    "-p",
    `127.0.0.1:${ports.syncthing}:8384`,
    "-e",
    "PORTAL_CONFIG=localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8384:18384:/:Syncthing",
    "-e",
    `VAST_TCP_PORT_1111=${ports.portal}`,
    "-e",
    `VAST_TCP_PORT_8080=${ports.jupyter}`,
    "-e",
    `VAST_TCP_PORT_8384=${ports.syncthing}`,
    "-e",
    `PROVISIONING_SCRIPT=${scriptUrl}`,
    IMAGE,
  );
  // Vast installs the user's keys for root; the entrypoint must hand them to `user`.
  const keyDir = await fs.mkdtemp(path.join(os.tmpdir(), "vk-keys-"));
  await fs.mkdir(path.join(keyDir, ".ssh"), { mode: 0o700 });
  await fs.writeFile(path.join(keyDir, ".ssh/authorized_keys"), `${ROOT_KEY}\n`, { mode: 0o600 });
  await docker("cp", path.join(keyDir, ".ssh"), `${A}:/root/`);
  await fs.rm(keyDir, { recursive: true, force: true });
  const started = performance.now();
  await docker("start", A);
  await waitFor("the portal on container A", async () => (await request(`http://127.0.0.1:${ports.portal}/`)).status === 401, 60_000, 100);
  firstAnswerMs = performance.now() - started;

  // Container B: HTTPS on, only the portal configured, so Jupyter and Syncthing must skip themselves;
  // its PROVISIONING_SCRIPT points at a path the server does not have, so provisioning fails.
  await docker(
    "run",
    "-d",
    "--name",
    B,
    ...common,
    "-p",
    `127.0.0.1:${ports.httpsPortal}:1111`,
    "-e",
    "ENABLE_HTTPS=true",
    "-e",
    "PORTAL_CONFIG=localhost:1111:11111:/:Instance Portal",
    "-e",
    `VAST_TCP_PORT_1111=${ports.httpsPortal}`,
    "-e",
    `PROVISIONING_SCRIPT=${new URL("/wrong.sh", scriptUrl).href}`,
    IMAGE,
  );
});

after(async () => {
  await Promise.all([A, B].map((name) => docker("rm", "-f", name).catch(() => "")));
  scriptServer?.closeAllConnections();
  await new Promise((resolve) => (scriptServer ? scriptServer.close(resolve) : resolve(undefined)));
});

test("the portal answers 401 without credentials, then 302 with the cookie for ?token=", async () => {
  process.stdout.write(`# portal answered ${(firstAnswerMs / 1000).toFixed(1)} s after docker start\n`);
  const anonymous = await request(`http://127.0.0.1:${ports.portal}/`);
  assert.equal(anonymous.status, 401);
  const withToken = await request(`http://127.0.0.1:${ports.portal}/?token=${TOKEN}`, { headers: { accept: "text/html" } });
  assert.equal(withToken.status, 302);
  assert.equal(withToken.headers.location, "/");
  const cookie = `${LABEL}_auth_token=${TOKEN}`;
  assert.deepEqual(withToken.headers["set-cookie"], [`${cookie}; Path=/; Max-Age=604800; HttpOnly; SameSite=lax`]);
  const withCookie = await request(`http://127.0.0.1:${ports.portal}/`, { headers: { cookie } });
  assert.equal(withCookie.status, 200);
});

test("Jupyter runs a cell in the main venv through the portal proxy", async () => {
  const base = `http://127.0.0.1:${ports.jupyter}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  await waitFor(
    "Jupyter behind the proxy",
    async () => (await request(`${base}/api/status`, { headers: auth })).status === 200,
    60_000,
    500,
  );
  // Like a browser: a page sets the _xsrf cookie that POSTs must echo.
  const tree = await request(`${base}/tree`, { headers: auth });
  assert.equal(tree.status, 200);
  const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"] ?? ""))?.[1] ?? "";
  const headers = { ...auth, cookie: `_xsrf=${xsrf}`, "x-xsrftoken": xsrf, "content-type": "application/json" };
  const created = await request(`${base}/api/kernels`, { method: "POST", headers, body: JSON.stringify({ name: "python3" }) });
  assert.equal(created.status, 201, created.body);
  const kernel = JSON.parse(created.body) as { id: string };

  const ws = new WebSocket(`ws://127.0.0.1:${ports.jupyter}/api/kernels/${kernel.id}/channels`, { headers } as never);
  const output = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no output from the kernel within 30 s")), 30_000);
    const msgId = randomUUID();
    ws.addEventListener("error", () => reject(new Error("kernel WebSocket failed")));
    ws.addEventListener("open", () => {
      ws.send(executeRequest(msgId, "import sys; print(6 * 7, sys.prefix)"));
    });
    ws.addEventListener("message", (event) => {
      const msg = JSON.parse(String(event.data)) as { msg_type?: string; parent_header?: { msg_id?: string }; content?: { text?: string } };
      if (msg.msg_type === "stream" && msg.parent_header?.msg_id === msgId) {
        clearTimeout(timer);
        resolve(msg.content?.text ?? "");
      }
    });
  });
  ws.close();
  // The kernel is the main venv's Python, whichever Jupyter server runs it.
  assert.equal(output, "42 /venv/main\n");
  await request(`${base}/api/kernels/${kernel.id}`, { method: "DELETE", headers });
});

test("Syncthing's GUI loads through the portal proxy", async () => {
  const reply = await waitFor(
    "the Syncthing GUI",
    async () => {
      const r = await request(`http://127.0.0.1:${ports.syncthing}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return r.status === 200 ? r : undefined;
    },
    60_000,
    500,
  );
  assert.match(reply.body, /<title>Syncthing<\/title>|ng-app="syncthing"/);
  assert.equal((await request(`http://127.0.0.1:${ports.syncthing}/`)).status, 401);
});

test("supervisord runs every configured program", async () => {
  const states = await waitFor(
    "all programs RUNNING",
    async () => {
      const s = await supervisorStatus(A);
      return ["instance_portal", "caddy", "jupyter", "syncthing", "cron"].every((p) => s[p] === "RUNNING") ? s : undefined;
    },
    30_000,
    500,
  );
  assert.deepEqual(Object.keys(states).sort(), ["caddy", "cron", "instance_portal", "jupyter", "syncthing", "tensorboard"]);
});

test("provisioning ran once, after supervisord, and the lock is gone", async () => {
  assert.deepEqual(scriptHits.filter((u) => u.endsWith("/provision.sh")).length, 1);
  const count = await exec(A, "cat /root/provisioned.count");
  assert.equal(count.trim().split("\n").length, 1);
  const log = await exec(A, "cat /var/log/portal/provisioning.log");
  assert.match(log, /provisioning as root in \/workspace/);
  assert.match(log, /lock present while provisioning/);
  assert.match(log, /instance_portal\s+(STARTING|RUNNING)/, "supervisord was up when the script ran");
  assert.match(log, />>> Provisioning complete/);
  assert.equal((await exec(A, 'ls -a / | grep -c "^.provisioning$" || true')).trim(), "0");
  assert.equal((await exec(A, "test -f /.provisioning_complete && echo yes")).trim(), "yes");
  assert.equal((await exec(A, "cat /var/log/vast_boot_failures 2>/dev/null || true")).trim(), "");
});

test("user has root's SSH keys, with the right owner and modes", async () => {
  assert.equal((await exec(A, "cat /home/user/.ssh/authorized_keys")).trim(), ROOT_KEY);
  assert.equal((await exec(A, 'stat -c "%U %a" /home/user/.ssh /home/user/.ssh/authorized_keys')).trim(), "user 700\nuser 600");
  assert.equal((await exec(A, "sudo -n -u user sudo -n true && echo ok")).trim(), "ok");
});

test("ENABLE_HTTPS=true serves the portal over TLS, and unconfigured programs skip themselves", async () => {
  const reply = await waitFor(
    "the HTTPS portal on container B",
    async () => {
      const r = await request(`https://127.0.0.1:${ports.httpsPortal}/`).catch(() => undefined);
      return r?.status === 401 ? r : undefined;
    },
    60_000,
    200,
  );
  assert.equal(reply.status, 401);
  const cert = await new Promise<string>((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port: ports.httpsPortal, path: "/", rejectUnauthorized: false, agent: false }, (res) => {
      const peer = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      res.resume();
      resolve(String(peer.subject?.CN ?? ""));
    });
    req.on("error", reject);
  });
  assert.equal(cert, "jupyter.vast.ai");
  const states = await waitFor(
    "jupyter, syncthing and tensorboard to skip",
    async () => {
      const s = await supervisorStatus(B);
      return s.jupyter === "EXITED" && s.syncthing === "EXITED" && s.tensorboard === "EXITED" ? s : undefined;
    },
    30_000,
    500,
  );
  assert.equal(states.instance_portal, "RUNNING");
  assert.equal(states.cron, "RUNNING");
  assert.equal((await exec(B, "ls /tmp/supervisor-skip")).trim().split("\n").sort().join(","), "jupyter,syncthing,tensorboard");
  assert.match(await exec(B, "cat /var/log/portal/jupyter.log"), /Skipping jupyter startup \(not in \/etc\/portal.yaml\)/);
});

test("a failed provisioning script leaves the services running and says so in the portal's logs", async () => {
  await waitFor(
    "provisioning to fail on container B",
    async () => (await exec(B, "test -f /.provisioning_failed && echo yes || true")).trim() === "yes",
    30_000,
    300,
  );
  const log = await exec(B, "cat /var/log/portal/provisioning.log");
  assert.match(log, />>> Provisioning FAILED: GET http:\/\/[\d.]+:\d+\/wrong\.sh answered 404/);
  assert.match(log, /Services keep running/);
  assert.match(await exec(B, "cat /var/log/vast_boot_failures"), /provisioning ENTRYPOINT_PROVISIONING_DOWNLOAD_FAILED/);
  assert.equal((await exec(B, "test -e /.provisioning && echo locked || echo unlocked")).trim(), "unlocked");
  assert.equal((await supervisorStatus(B)).instance_portal, "RUNNING");
  assert.equal((await request(`https://127.0.0.1:${ports.httpsPortal}/`)).status, 401);
  // The portal's live log (/ws-logs, the logs tab) replays it.
  const ws = new WebSocket(`wss://127.0.0.1:${ports.httpsPortal}/ws-logs`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
  } as never);
  const seen = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the portal log never showed the provisioning failure")), 20_000);
    ws.addEventListener("error", () => reject(new Error("/ws-logs WebSocket failed")));
    ws.addEventListener("message", (event) => {
      const text = String(event.data);
      if (text.includes("Provisioning FAILED")) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
  ws.close();
  assert.match(seen, /wrong\.sh answered 404/);
});

test("a killed portal process is restarted by supervisord", async () => {
  const pid = (await exec(A, "supervisorctl pid instance_portal")).trim();
  assert.match(pid, /^\d+$/);
  await exec(A, `kill -9 ${pid}`);
  const newPid = await waitFor(
    "a new portal pid",
    async () => {
      const p = (await exec(A, "supervisorctl pid instance_portal")).trim();
      return /^\d+$/.test(p) && p !== pid && p !== "0" ? p : undefined;
    },
    30_000,
    200,
  );
  assert.notEqual(newPid, pid);
  await waitFor("the restarted portal", async () => (await request(`http://127.0.0.1:${ports.portal}/`)).status === 401, 30_000, 200);
});

test("docker stop exits cleanly within 10 s and docker start comes back with its state", async () => {
  const stopping = performance.now();
  await docker("stop", "-t", "10", A);
  const stopSeconds = (performance.now() - stopping) / 1000;
  process.stdout.write(`# docker stop took ${stopSeconds.toFixed(1)} s\n`);
  assert.ok(stopSeconds < 10, `docker stop took ${stopSeconds.toFixed(1)} s`);
  assert.equal((await docker("inspect", "-f", "{{.State.ExitCode}}", A)).trim(), "0");
  const logs = await docker("logs", A);
  assert.match(logs, /SIGTERM received: stopping supervisord/);
  assert.match(logs, /supervisord exited \(0\)/);

  await docker("start", A);
  await waitFor(
    "the portal after docker start",
    async () => (await request(`http://127.0.0.1:${ports.portal}/`).catch(() => undefined))?.status === 401,
    60_000,
    200,
  );
  const cookie = `${LABEL}_auth_token=${TOKEN}`;
  assert.equal((await request(`http://127.0.0.1:${ports.portal}/`, { headers: { cookie } })).status, 200);
  // State kept: provisioning not repeated, first boot's /etc/environment, certificate, portal.yaml.
  assert.equal((await exec(A, "cat /root/provisioned.count")).trim().split("\n").length, 1);
  assert.equal(scriptHits.filter((u) => u.endsWith("/provision.sh")).length, 1);
  assert.match(await exec(A, "head -1 /etc/environment"), /^# Template controlled environment for C\.4242$/m);
  assert.match(await exec(A, 'grep -c "step tls: done" /var/log/portal/boot.log'), /^2$/m);
  assert.match(await exec(A, 'grep -E "certificate pair: (existing|generated)" /var/log/portal/boot.log | tail -1'), /existing/);
  await waitFor(
    "all programs RUNNING again",
    async () => {
      const s = await supervisorStatus(A);
      return ["instance_portal", "jupyter", "syncthing", "cron"].every((p) => s[p] === "RUNNING");
    },
    30_000,
    500,
  );
});
