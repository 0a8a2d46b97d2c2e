/**
 * Real backends behind the front (issue 5, Tests): Debian's Jupyter Notebook
 * (create a notebook, start a kernel and run a cell over the proxied kernel
 * WebSocket) and Syncthing's GUI and REST API.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { freePort, get, startFront, waitFor } from "./_helpers.ts";
import { executeRequest } from "../_support/jupyter.ts";

const COOKIE = "C.42_auth_token=obt-secret";

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

function run(t: TestContext, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  child.stderr?.resume();
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-(child.pid as number), "SIGTERM");
    const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  });
  return child;
}

test(
  "Jupyter Notebook through the front: contents API with XSRF cookies, and a cell run over the kernel WebSocket",
  { timeout: 60_000 },
  async (t) => {
    const dir = await tempDir(t, "portal-jupyter-");
    const port = await freePort();
    run(
      t,
      "jupyter-notebook",
      [
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--NotebookApp.token=",
        "--NotebookApp.password=",
        `--notebook-dir=${dir}`,
        "--NotebookApp.trust_xheaders=True",
        "--NotebookApp.allow_remote_access=True",
      ],
      {
        JUPYTER_CONFIG_DIR: path.join(dir, ".cfg"),
        JUPYTER_DATA_DIR: path.join(dir, ".data"),
        JUPYTER_RUNTIME_DIR: path.join(dir, ".rt"),
        IPYTHONDIR: path.join(dir, ".ipy"),
      },
    );
    const front = await startFront(t, port);
    const tree = await waitFor(
      "jupyter to answer through the front",
      async () => {
        const r = await get(front, "/tree", { headers: { Cookie: COOKIE } }).catch(() => undefined);
        return r !== undefined && r.status === 200 ? r : undefined;
      },
      30_000,
    );
    const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"]))?.[1];
    assert.ok(xsrf, "jupyter set an _xsrf cookie");
    const headers = { Cookie: `${COOKIE}; _xsrf=${xsrf}`, "X-XSRFToken": xsrf, "Content-Type": "application/json" };

    const created = await get(front, "/api/contents", { method: "POST", headers, body: JSON.stringify({ type: "notebook" }) });
    assert.equal(created.status, 201, created.body);
    const notebook = JSON.parse(created.body).path as string;
    const session = await get(front, "/api/sessions", {
      method: "POST",
      headers,
      body: JSON.stringify({ path: notebook, type: "notebook", name: "", kernel: { name: "python3" } }),
    });
    assert.equal(session.status, 201, session.body);
    const kernelId = JSON.parse(session.body).kernel.id as string;

    const ws = new WebSocket(`ws://127.0.0.1:${front}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}`, {
      headers: { Cookie: `${COOKIE}; _xsrf=${xsrf}` },
    } as unknown as string[]);
    t.after(() => ws.close());
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    const msgId = randomUUID();
    const outputs: string[] = [];
    const done = new Promise<void>((resolve) => {
      ws.addEventListener("message", (ev) => {
        const msg = JSON.parse(String(ev.data));
        if (msg.parent_header?.msg_id !== msgId) return;
        if (msg.msg_type === "stream") outputs.push(msg.content.text);
        if (msg.msg_type === "status" && msg.content.execution_state === "idle") resolve();
      });
    });
    ws.send(executeRequest(msgId, "print(6 * 7)"));
    await done;
    assert.equal(outputs.join(""), "42\n");
  },
);

test("Syncthing's GUI and REST API through the front, with the front's Host passing its host check", { timeout: 60_000 }, async (t) => {
  const home = await tempDir(t, "portal-syncthing-");
  const port = await freePort();
  const env = { STNODEFAULTFOLDER: "1", STNOUPGRADE: "1", HOME: home };
  const gen = spawn("syncthing", ["generate", `--home=${home}`], { env: { ...process.env, ...env }, stdio: "ignore" });
  await new Promise((r) => gen.once("exit", r));
  // Keep Syncthing on loopback: no discovery, relays, NAT or usage reporting.
  const configPath = path.join(home, "config.xml");
  let config = await fs.readFile(configPath, "utf8");
  for (const [tag, value] of [
    ["globalAnnounceEnabled", "false"],
    ["localAnnounceEnabled", "false"],
    ["relaysEnabled", "false"],
    ["natEnabled", "false"],
    ["urAccepted", "-1"],
    ["autoUpgradeIntervalH", "0"],
    ["crashReportingEnabled", "false"],
  ]) {
    config = config.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${value}</${tag}>`);
  }
  config = config.replace(/<listenAddress>[^<]*<\/listenAddress>/g, "<listenAddress>tcp://127.0.0.1:0</listenAddress>");
  await fs.writeFile(configPath, config);
  run(
    t,
    "syncthing",
    ["serve", "--no-browser", "--no-restart", "--no-upgrade", `--home=${home}`, `--gui-address=127.0.0.1:${port}`, "--gui-apikey=st-key"],
    env,
  );
  const front = await startFront(t, port);
  const page = await waitFor(
    "syncthing GUI through the front",
    async () => {
      const r = await get(front, "/", { headers: { Cookie: COOKIE } }).catch(() => undefined);
      return r !== undefined && r.status === 200 ? r : undefined;
    },
    30_000,
  );
  assert.match(page.body, /Syncthing/);
  const status = await get(front, "/rest/system/status", { headers: { Cookie: COOKIE, "X-API-Key": "st-key" } });
  assert.equal(status.status, 200, status.body);
  assert.match(JSON.parse(status.body).myID, /^[A-Z0-9]{7}(-[A-Z0-9]{7}){7}$/);
  assert.equal((await get(front, "/rest/system/status")).status, 401);
});
