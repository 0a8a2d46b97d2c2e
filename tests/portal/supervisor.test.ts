/**
 * Supervisor control (instance-runtime.md §4.1, §7) against a real
 * supervisord on a unix socket under a temporary INSTANCE_ROOT.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { decodeResponse, encodeCall, XmlRpcFault } from "../../portal/app/xmlrpc.ts";
import { startPortal } from "../../portal/server.ts";
import { freePort, get, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";
import { sleepProgram, startSupervisord } from "./_supervisord.ts";

test("XML-RPC encodes calls and decodes structs, arrays and faults", () => {
  assert.equal(
    encodeCall("supervisor.startProcess", ["a<b", true]),
    '<?xml version="1.0"?><methodCall><methodName>supervisor.startProcess</methodName><params><param><value><string>a&lt;b</string></value></param><param><value><boolean>1</boolean></value></param></params></methodCall>',
  );
  const xml = `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>caddy &amp; co</string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>42</int></value>\n</member>\n<member>\n<name>description</name>\n<value>pid 42, uptime 0:00:01</value>\n</member>\n<member><name>empty</name><value><string></string></value></member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n`;
  assert.deepEqual(decodeResponse(xml), [{ name: "caddy & co", pid: 42, description: "pid 42, uptime 0:00:01", empty: "" }]);
  assert.throws(
    () =>
      decodeResponse(
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>10</int></value></member><member><name>faultString</name><value><string>BAD_NAME: x</string></value></member></struct></value></fault></methodResponse>",
      ),
    (err: unknown) => err instanceof XmlRpcFault && err.faultCode === 10 && err.faultString === "BAD_NAME: x",
  );
});

test("lists, starts, stops and restarts processes; the unstoppable set and skip markers are honoured", async (t) => {
  const root = await tempInstanceRoot(t);
  await fs.mkdir(path.join(root, "tmp/supervisor-skip"), { recursive: true });
  await fs.writeFile(path.join(root, "tmp/supervisor-skip/tensorboard"), "");
  await startSupervisord(t, root, [
    sleepProgram("caddy"),
    sleepProgram("jupyter"),
    sleepProgram("worker", false),
    sleepProgram("tensorboard"),
    sleepProgram("custom_guard"),
  ]);
  const app = await freePort();
  const portal = await startPortal({
    env: await portalTestEnv(root, app, undefined, { PORTAL_UNSTOPPABLE: "custom_guard" }),
    log: () => {},
  });
  t.after(() => portal.close());
  // Readiness is a wait, not a presence check (§11): poll until the socket answers.
  const list = await waitFor(
    "supervisord",
    async () => {
      const r = await get(app, "/supervisor/processes");
      return r.status === 200 ? (JSON.parse(r.body) as { name: string; state: string; unstoppable: boolean; pid: number }[]) : undefined;
    },
    10_000,
  );
  assert.deepEqual(list.map((p) => p.name).sort(), ["caddy", "custom_guard", "jupyter", "worker"]);
  const byName = (name: string) => list.find((p) => p.name === name);
  assert.equal(byName("caddy")?.unstoppable, true);
  assert.equal(byName("custom_guard")?.unstoppable, true);
  assert.equal(byName("jupyter")?.unstoppable, false);
  assert.equal(byName("worker")?.state, "STOPPED");

  assert.deepEqual(JSON.parse((await get(app, "/supervisor/process/worker/start", { method: "POST" })).body), {
    status: "ok",
    name: "worker",
    action: "start",
  });
  const again = await get(app, "/supervisor/process/worker/start", { method: "POST" });
  assert.equal(again.status, 400);
  assert.match(JSON.parse(again.body).detail, /ALREADY_STARTED/);
  assert.equal((await get(app, "/supervisor/process/worker/stop", { method: "POST" })).status, 200);
  const refused = await get(app, "/supervisor/process/caddy/stop", { method: "POST" });
  assert.equal(refused.status, 403);
  assert.equal((await get(app, "/supervisor/process/custom_guard/stop", { method: "POST" })).status, 403);
  assert.equal((await get(app, "/supervisor/process/nope/restart", { method: "POST" })).status, 404);

  const before = byName("jupyter")?.pid;
  assert.equal((await get(app, "/supervisor/process/jupyter/restart", { method: "POST" })).status, 200);
  await waitFor(
    "jupyter restarted with a new pid",
    async () => {
      const now = JSON.parse((await get(app, "/supervisor/processes")).body) as { name: string; pid: number; state: string }[];
      const j = now.find((p) => p.name === "jupyter");
      return j !== undefined && j.state === "RUNNING" && j.pid !== before ? true : undefined;
    },
    10_000,
  );

  await fs.writeFile(path.join(root, ".launch"), "jupyter");
  const launchMode = JSON.parse((await get(app, "/supervisor/processes")).body) as { name: string }[];
  assert.ok(!launchMode.some((p) => p.name === "jupyter"));
});

test("without supervisord the process list answers 500 naming the cause", async (t) => {
  const root = await tempInstanceRoot(t);
  const app = await freePort();
  const portal = await startPortal({
    env: await portalTestEnv(root, app),
    log: () => {},
  });
  t.after(() => portal.close());
  const r = await get(app, "/supervisor/processes");
  assert.equal(r.status, 500);
  assert.match(JSON.parse(r.body).detail, /supervisord unavailable/);
});
