/**
 * `POST /capabilities/provision` and its status route (portal/app/provision-route.ts), over real
 * HTTP on loopback, starting real provisioning jobs (`node portal/main.ts provision`) in a temp
 * instance root.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { createRouter } from "../../portal/app/http.ts";
import { provisionRoutes } from "../../portal/app/provision-route.ts";
import { writeProvisioningRun } from "../../portal/provisioning-status.ts";
import { listenOn } from "../_support/net.ts";
import { waitFor } from "../_support/poll.ts";
import { makeInstanceRoot } from "./entrypoint/_helpers.ts";

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function serve(
  t: TestContext,
): Promise<{ root: string; call(method: string, p: string, body?: string, type?: string): Promise<Reply> }> {
  const root = await makeInstanceRoot();
  const server = http.createServer(createRouter(provisionRoutes({ root, env: { PATH: process.env.PATH, INSTANCE_ROOT: root } })));
  const port = await listenOn(server);
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const call = async (method: string, p: string, body?: string, type = "application/yaml"): Promise<Reply> => {
    const response = await fetch(`http://127.0.0.1:${port}${p}`, {
      method,
      ...(body !== undefined ? { body, headers: { "content-type": type } } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { root, call };
}

test("a manifest that does not validate is refused with 400 naming every bad field, and nothing starts", async (t) => {
  const { root, call } = await serve(t);
  const bad = await call("POST", "/capabilities/provision", "version: 1\napt_packages: ['a b']\non_failure: {action: explode}\n");
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.problems, [
    'on_failure.action: Invalid option: expected one of "continue"|"stop"|"destroy"',
    "apt_packages[0]: must be one package spec without spaces or shell characters",
  ]);
  assert.match(String(bad.body.detail), /^invalid manifest: on_failure\.action/);
  assert.equal((await call("POST", "/capabilities/provision", "version: [1", "text/yaml")).status, 400);
  assert.match(String((await call("POST", "/capabilities/provision", "{}", "application/json")).body.detail), /nothing to provision/);
  assert.match(
    String((await call("POST", "/capabilities/provision", '{"inline_yaml": "version: 3"}', "application/json")).body.detail),
    /version: must be 1/,
  );
  assert.equal(await fs.readFile(path.join(root, ".provisioning_status.json"), "utf8").catch(() => "absent"), "absent");
});

test("a valid manifest starts a job (202), a second one while it runs gets 409 with its id, and the status route follows it to the end", async (t) => {
  const { root, call } = await serve(t);
  const go = path.join(root, "go");
  const started = await call(
    "POST",
    "/capabilities/provision",
    JSON.stringify({ version: 1, post_commands: [`while [ ! -e ${go} ]; do sleep 0.1; done; echo from-api > api.txt`] }),
    "application/json",
  );
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const job = String(started.body.job_id);
  assert.match(job, /^job-\d{8}T\d{6}-[0-9a-f]{6}$/);
  assert.equal(started.body.status_url, `/capabilities/provision/${job}`);
  const busy = await call("POST", "/capabilities/provision", '{"inline_yaml": "version: 1"}', "application/json");
  assert.equal(busy.status, 409);
  assert.equal(busy.body.job_id, job);
  const running = await waitFor("the job's status file", async () => {
    const r = await call("GET", `/capabilities/provision/${job}`);
    return r.body.state === "running" ? r : undefined;
  });
  assert.equal(running.body.status, "in_progress");
  assert.equal(
    await fs.readFile(path.join(root, ".provisioning"), "utf8").then(() => "held"),
    "held",
    "the job holds /.provisioning while it runs",
  );
  await fs.writeFile(go, "");
  const done = await waitFor("the job to finish", async () => {
    const r = await call("GET", `/capabilities/provision/${job}`);
    return r.body.status === "complete" || r.body.status === "failed" ? r : undefined;
  });
  assert.equal(done.body.status, "complete", JSON.stringify(done.body));
  assert.deepEqual((done.body.phases as Record<string, string>).post_commands, "ran");
  assert.equal(await fs.readFile(path.join(root, "workspace/api.txt"), "utf8"), "from-api\n");
  assert.equal(await fs.stat(path.join(root, ".provisioning")).catch(() => "gone"), "gone");
  assert.ok(await fs.stat(path.join(root, ".provisioner_state/api/post_commands.hash")), "a job's hashes are kept apart from the boot's");
  assert.equal((await call("GET", "/capabilities/provision/job-nope")).status, 404);
});

test("while the boot provisions, a request is refused with 409 naming the boot's run", async (t) => {
  const { root, call } = await serve(t);
  await writeProvisioningRun(root, {
    job: "boot-2026",
    state: "running",
    pid: process.pid,
    source: "PROVISIONING_MANIFEST",
    started_at: new Date().toISOString(),
    attempt: 1,
    phases: {},
    log_file: "/var/log/portal/provisioning.log",
  });
  const busy = await call("POST", "/capabilities/provision", "version: 1\n");
  assert.equal(busy.status, 409);
  assert.equal(busy.body.job_id, "boot-2026");
});
