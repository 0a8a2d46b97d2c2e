/**
 * Declarative provisioning end to end (issue 11): a container of our image (tests/image/_instance.ts:
 * `docker run`, or rented through the emulator in Docker mode with VAST_KIT_TEST_STARTER=emulator),
 * with the manifest in its env as the components write it (`GpuFleet.provisioning`). Every network need is a stand-in on the container's own loopback, started by a boot hook before the
 * provisioning step: plain downloads (one fails its first 3 requests), a Hugging Face endpoint
 * (`HF_ENDPOINT`), a PyPI simple index serving a wheel, a webhook receiver. apt goes to Debian's
 * mirror over plain http (reachable from containers here, environment.md); git clones a bare
 * repository placed in (mounted, or copied into a derived image), over file://.
 *
 * First boot: every phase runs; the downloads phase fails its attempt, and the retried pipeline
 * succeeds once the stand-in recovers. Then `POST /capabilities/provision` through the front. Then
 * a restart: every phase is skipped by its hash, and the stand-in (a fresh process) is asked for
 * nothing.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { encodeManifestEnv } from "../../components/provisioning.ts";
import type { ProvisioningManifestInput } from "../../contracts/provisioning-manifest.ts";
import type { ProvisioningRun } from "../../portal/provisioning-status.ts";
import { waitFor } from "../_support/poll.ts";
import { makeStandinData } from "../portal/entrypoint/_provisioning.ts";
import { buildImage, exec, request, requireDocker, supervisorStatus } from "./_container.ts";
import { type Instance, startInstance, starterFromEnv } from "./_instance.ts";

let instance: Instance;
let C = "";
const HF_TOKEN = `hf_${randomBytes(12).toString("hex")}`;
const STANDIN = "http://127.0.0.1:18999";
let auth: Record<string, string> = {};
let portalPort = 0;
let dataDir = "";

const MANIFEST: ProvisioningManifestInput = {
  version: 1,
  settings: { retry: { max_attempts: 2, initial_delay: 1, backoff_multiplier: 1 } },
  on_failure: { action: "continue", max_retries: 2, retry_delay: 2, webhook: `${STANDIN}/webhook`, webhook_on_success: true },
  write_files: [{ path: "/etc/app/config.yaml", content: "debug: false\n", permissions: "0600" }],
  apt_packages: ["figlet"],
  git_repos: [{ url: "file:///standin/repo.git", dest: "/workspace/repo", ref: "v1", post_commands: ["cp hello.txt built.txt"] }],
  pip_packages: [
    { packages: ["vkprobe==1.0"], args: `--index-url ${STANDIN}/simple` },
    { venv: "system", tool: "pip", packages: ["vkprobe==1.0"], args: `--index-url ${STANDIN}/simple` },
    { venv: "/venv/extra", packages: ["vkprobe==1.0"], args: `--index-url ${STANDIN}/simple` },
  ],
  downloads: [
    { url: `${STANDIN}/flaky/flaky.bin`, dest: "/workspace/models/flaky.bin" },
    { url: "https://huggingface.co/acme/tiny", dest: "/workspace/models/tiny/" },
  ],
  env_merge: { EXTRA_MODELS: "downloads" },
  services: [{ name: "probe_web", command: "python3 -m http.server 18555 --bind 127.0.0.1", workdir: "/workspace/models" }],
  post_commands: [
    "date +%s%N >> /workspace/post-runs.log",
    "/venv/main/bin/python -c 'import vkprobe; print(vkprobe.VALUE)' > /workspace/vkprobe.txt",
  ],
};

/** Started by a boot hook (before the provisioning step) on every boot, with the image's own Node. */
const HOOK = `# Test stand-ins for provisioning (tests/image/provisioning.test.ts).
if ! curl -s -o /dev/null ${STANDIN}/stats; then
  nohup /opt/portal/node/bin/node /standin/standin.ts --port 18999 --dir /standin --fail-first 3 --hf-token "$HF_TOKEN" >/var/log/standin.log 2>&1 &
  for i in $(seq 100); do curl -s -o /dev/null ${STANDIN}/stats && break; sleep 0.1; done
fi
`;

async function run(): Promise<ProvisioningRun | undefined> {
  const text = await exec(C, "cat /.provisioning_status.json 2>/dev/null || true");
  return text.trim() === "" ? undefined : (JSON.parse(text) as ProvisioningRun);
}

async function finishedBootRun(notJob?: string): Promise<ProvisioningRun> {
  return waitFor(
    "the boot's provisioning run to finish",
    async () => {
      const r = await run();
      return r !== undefined && r.job.startsWith("boot-") && r.job !== notJob && r.state !== "running" ? r : undefined;
    },
    10 * 60_000,
    1_000,
  );
}

async function standinStats(): Promise<{ hits: Record<string, number>; webhooks: { status: string }[] }> {
  return JSON.parse(await exec(C, `curl -fsS ${STANDIN}/stats`)) as { hits: Record<string, number>; webhooks: { status: string }[] };
}

before(async () => {
  await requireDocker();
  await buildImage();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "vk-provision-"));
  await makeStandinData(dataDir);
  await fs.copyFile(
    path.join(import.meta.dirname, "../portal/entrypoint/fixtures/provisioning-standin.ts"),
    path.join(dataDir, "standin.ts"),
  );
  await fs.writeFile(path.join(dataDir, "05-standin.sh"), HOOK);
  await fs.chmod(dataDir, 0o755);
  instance = await startInstance(starterFromEnv(), {
    name: "provision",
    env: {
      PORTAL_CONFIG: "localhost:1111:11111:/:Instance Portal",
      HF_ENDPOINT: STANDIN,
      HF_TOKEN,
      EXTRA_MODELS: `${STANDIN}/files/model.bin|/workspace/models/extra.bin`,
      ...encodeManifestEnv(MANIFEST),
    },
    ports: [1111],
    files: { "/standin": dataDir, "/etc/vast_boot.d/05-standin.sh": path.join(dataDir, "05-standin.sh") },
  });
  C = instance.container;
  auth = { authorization: `Bearer ${instance.token}` };
  portalPort = instance.hostPort(1111);
});

after(async () => {
  await instance?.close();
  if (dataDir !== "") await fs.rm(dataDir, { recursive: true, force: true });
});

let firstJob = "";

test("the first boot provisions the manifest: files, apt, git at a ref, pip from an index, downloads retried until the server recovers, Hugging Face, env_merge, a service, post commands", async () => {
  const r = await finishedBootRun();
  firstJob = r.job;
  const log = await exec(C, "cat /var/log/portal/boot.log");
  assert.equal(r.state, "complete", `${r.error ?? ""}\n${log}`);
  assert.equal(r.attempt, 2, "the first attempt failed in downloads");
  assert.deepEqual(r.phases, {
    write_files: "ran",
    apt: "ran",
    git: "ran",
    pip: "ran",
    conda: "nothing to do",
    downloads: "ran",
    services: "ran",
    write_files_late: "nothing to do",
    post_commands: "ran",
  });
  assert.match(
    log,
    /provisioning: phase downloads: failed: 1 of 3 downloads failed: GET http:\/\/127\.0\.0\.1:18999\/flaky\/flaky\.bin answered 503/,
  );
  assert.match(log, /provisioning: attempt 1\/3 failed \(downloads: .*\); retrying in 2s/);
  for (const phase of ["write_files", "apt", "git", "pip", "services", "post_commands"]) {
    assert.match(
      log,
      new RegExp(`provisioning: phase ${phase}: skipped \\(unchanged since it last succeeded\\)`),
      `${phase} ran once, in attempt 1`,
    );
  }
  assert.equal((await exec(C, "figlet -v >/dev/null && echo ok")).trim(), "ok", "apt installed figlet");
  assert.equal((await exec(C, "stat -c %a /etc/app/config.yaml")).trim(), "600");
  assert.equal(await exec(C, "cat /workspace/repo/built.txt"), "v1\n");
  assert.equal(await exec(C, "cat /workspace/vkprobe.txt"), "provisioned\n", "the wheel installed into /venv/main (uv)");
  const probe = "-c 'import vkprobe, sys; print(vkprobe.VALUE, sys.prefix)'";
  assert.equal(await exec(C, `/usr/bin/python3 ${probe}`), "provisioned /usr\n", "into the system Python (pip)");
  assert.equal(await exec(C, `/venv/extra/bin/python ${probe}`), "provisioned /venv/extra\n", "into a venv the phase created");
  assert.equal(await exec(C, "cat /workspace/models/flaky.bin"), "flaky bytes");
  assert.equal(await exec(C, "cat /workspace/models/tiny/weights/part.bin"), "hf weights");
  assert.equal(await exec(C, "cat /workspace/models/extra.bin"), "plain model bytes");
  const stats = await standinStats();
  assert.equal(stats.hits["/flaky/flaky.bin"], 4, "3 × 503, then the file");
  assert.deepEqual(
    stats.webhooks.map((w) => w.status),
    ["complete"],
  );
  await waitFor("the provisioned service", async () => (await supervisorStatus(C)).probe_web === "RUNNING", 60_000, 500);
  assert.equal(await exec(C, "curl -fsS http://127.0.0.1:18555/flaky.bin"), "flaky bytes");
  assert.equal((await exec(C, "test -e /.provisioning_complete && test ! -e /.provisioning && echo ok")).trim(), "ok");
  assert.ok(!log.includes(HF_TOKEN), "no token in the boot log");
});

test("POST /capabilities/provision through the front: 400 naming the field, 202 with a job, 409 while it runs, then its status", async () => {
  const base = `http://127.0.0.1:${portalPort}/capabilities/provision`;
  const post = (body: string, type = "application/yaml") =>
    request(base, { method: "POST", headers: { ...auth, "content-type": type }, body });
  assert.equal((await request(base, { method: "POST", body: "version: 1" })).status, 401, "behind the front's auth");
  const bad = await post("version: 1\ngit_repos:\n  - url: ftp://nope\n    dest: /w\n");
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).detail, /git_repos\[0\]\.url: must be a git URL/);
  const started = await post(
    JSON.stringify({ version: 1, post_commands: ["while [ ! -e /tmp/go ]; do sleep 0.2; done; echo from-api > /workspace/api.txt"] }),
    "application/json",
  );
  assert.equal(started.status, 202, started.body);
  const job = JSON.parse(started.body) as { job_id: string; status_url: string };
  const busy = await post("version: 1\npost_commands: ['true']\n");
  assert.equal(busy.status, 409, busy.body);
  assert.equal(JSON.parse(busy.body).job_id, job.job_id);
  await exec(C, "touch /tmp/go");
  const done = await waitFor(
    "the job",
    async () => {
      const reply = await request(`http://127.0.0.1:${portalPort}${job.status_url}`, { headers: auth });
      const body = JSON.parse(reply.body) as { status: string; phases: Record<string, string> };
      return body.status === "complete" || body.status === "failed" ? body : undefined;
    },
    60_000,
    500,
  );
  assert.equal(done.status, "complete");
  assert.equal(done.phases.post_commands, "ran");
  assert.equal(await exec(C, "cat /workspace/api.txt"), "from-api\n");
});

test("after a restart every unchanged phase is skipped: nothing downloaded, installed or run again", async () => {
  await instance.reboot();
  const r = await finishedBootRun(firstJob);
  assert.equal(r.state, "complete", r.error);
  for (const phase of ["write_files", "apt", "git", "pip", "downloads", "services", "post_commands"]) {
    assert.equal(r.phases[phase], "skipped (unchanged)", phase);
  }
  const log = await exec(C, "cat /var/log/portal/boot.log");
  assert.match(log.slice(log.indexOf(`job ${r.job}`)), /provisioning: phase apt: skipped \(unchanged since it last succeeded\)/);
  const stats = await standinStats();
  assert.deepEqual(
    Object.keys(stats.hits).filter((p) => p !== "/stats" && p !== "/webhook"),
    [],
    "the restarted stand-in was asked for no download, index or repo",
  );
  assert.deepEqual(
    stats.webhooks.map((w) => w.status),
    ["complete"],
    "webhook_on_success reports the boot's run",
  );
  assert.equal((await exec(C, "wc -l < /workspace/post-runs.log")).trim(), "1", "post commands ran once in all");
  await waitFor("the provisioned service after the restart", async () => (await supervisorStatus(C)).probe_web === "RUNNING", 60_000, 500);
});
