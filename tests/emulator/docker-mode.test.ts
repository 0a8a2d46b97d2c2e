/**
 * Docker mode against the real engine and the local registry: a tiny probe image (the Debian
 * stand-in base plus the Node binary running these tests, serving its env, argv and onstart trace
 * as JSON on 8080) is built and pushed, then driven through the emulator's HTTP API only.
 * Needs `bash toolchain/docker.sh` and `bash toolchain/registry.sh`.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { request } from "undici";
import { INSTANCE_LABEL, OWNER_LABEL, type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { API_KEY, FAST_TIMINGS, call, cheapestOffer, rent, showInstance, waitFor, waitForStatus } from "./_utils.ts";

const DOCKER = "/usr/bin/docker";
const REGISTRY = "127.0.0.1:5000";
/** The local stand-in base that toolchain/docker.sh imports. */
const BASE_IMAGE = "vast-kit/debian-base:bookworm";
const PROBE_REPO = `${REGISTRY}/vast-kit/emulator-probe`;
const BOOT_TIMEOUT_MS = 30_000;
/** A hang fails the test with its name instead of stalling the run. */
const TEST_TIMEOUT = { timeout: 90_000 };
/** Bounds every request to a probe or an upload: a container that accepts and never answers fails fast. */
const BOUNDED = { headersTimeout: 5000, bodyTimeout: 5000 };

const PROBE = `
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
process.on('SIGTERM', () => process.exit(0));
createServer((req, res) => {
  if (req.url === '/exit') { res.end('bye'); setTimeout(() => process.exit(3), 50); return; }
  if (req.url === '/ignore-sigterm') { process.removeAllListeners('SIGTERM'); process.on('SIGTERM', () => {}); res.end('ok'); return; }
  const onstart = existsSync('/tmp/onstart') ? readFileSync('/tmp/onstart', 'utf8') : null;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ env: process.env, argv: process.argv.slice(2), onstart }));
}).listen(8080, () => {
  console.log('probe listening on 8080');
  console.error('probe says hello on stderr');
});
`;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(DOCKER, args, {
    env: { ...process.env, DOCKER_BUILDKIT: "1" },
    maxBuffer: 16 << 20,
    timeout: 120_000,
  });
  return stdout.trim();
}

let probeRef = "";
let workDir = "";

before(async () => {
  try {
    await docker("info", "--format", "{{.ServerVersion}}");
    await request(`http://${REGISTRY}/v2/`).then((res) => res.body.text());
  } catch (error) {
    throw new Error(
      `Docker mode tests need dockerd and the local registry: run bash toolchain/docker.sh && bash toolchain/registry.sh (${(error as Error).message})`,
    );
  }
  workDir = mkdtempSync(join(tmpdir(), "vast-emulator-docker-"));
  const context = join(workDir, "probe");
  mkdirSync(context);
  copyFileSync(process.execPath, join(context, "node"));
  writeFileSync(join(context, "probe.mjs"), PROBE);
  writeFileSync(
    join(context, "Dockerfile"),
    `FROM ${BASE_IMAGE}\nCOPY node /usr/local/bin/node\nCOPY probe.mjs /probe.mjs\nEXPOSE 7070\nENTRYPOINT ["/usr/local/bin/node", "/probe.mjs"]\nCMD ["from-image-cmd"]\n`,
  );
  await docker("build", "-q", "-t", `${PROBE_REPO}:test`, context);
  const pushed = await docker("push", `${PROBE_REPO}:test`);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  assert.ok(digest, `no digest in the push output: ${pushed}`);
  probeRef = `${PROBE_REPO}@${digest}`;
});

after(() => rmSync(workDir, { recursive: true, force: true }));

function dockerEmulator(statePath?: string): Promise<RunningEmulator> {
  return startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, docker: true, ...(statePath ? { statePath } : {}) });
}

/** Cleanup for the emulator `current()` names when the test ends: its containers, then itself. */
function cleanUp(t: { after: (fn: () => Promise<void>) => void }, current: () => RunningEmulator): void {
  t.after(async () => {
    await current().removeContainers();
    await current().close();
  });
}

/** The container ids of an instance, found by the labels alone. */
async function containersOf(emulator: RunningEmulator, id: number): Promise<string[]> {
  const out = await docker(
    "ps",
    "-aq",
    "--no-trunc",
    "--filter",
    `label=${INSTANCE_LABEL}=${id}`,
    "--filter",
    `label=${OWNER_LABEL}=${emulator.containerOwner}`,
  );
  return out ? out.split("\n") : [];
}

async function inspect(container: string, format: string): Promise<string> {
  return docker("inspect", "--format", format, container);
}

interface ProbeAnswer {
  env: Record<string, string>;
  argv: string[];
  onstart: string | null;
}

/**
 * What the probe in the container answers on its published port. `running` means the container
 * runs, not that its server listens yet (as on Vast), so connection failures are retried.
 */
async function probe(hostPort: string): Promise<ProbeAnswer> {
  return waitFor(
    `the probe on 127.0.0.1:${hostPort}`,
    async () => {
      try {
        const res = await request(`http://127.0.0.1:${hostPort}/`, BOUNDED);
        return res.statusCode === 200 ? ((await res.body.json()) as ProbeAnswer) : undefined;
      } catch {
        return undefined;
      }
    },
    5000,
    50,
  );
}

test(
  "a running instance is a container of its image: env and injected variables, ports on 127.0.0.1, stop/start, restart on --state, destroy",
  TEST_TIMEOUT,
  async (t) => {
    const statePath = join(workDir, "state.sqlite");
    let emulator = await dockerEmulator(statePath);
    cleanUp(t, () => emulator);
    await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "ACCOUNT_SECRET", value: "from-the-account" } });
    await call(emulator, "POST", "/api/v0/ssh/", { body: { ssh_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDockerModeKey probe@test" } });
    const template = await call(emulator, "POST", "/api/v0/template/", {
      body: { name: "probe", image: probeRef, runtype: "ssh", env: "-e FROM_TEMPLATE=yes -e GREETING=template -p 9090:9090" },
    });
    const create = await call(emulator, "PUT", `/api/v0/asks/${(await cheapestOffer(emulator)).id}/`, {
      body: {
        client_id: "me",
        image: probeRef,
        disk: 10,
        template_hash_id: template.body.template.hash_id,
        onstart: "echo ran > /tmp/onstart",
        env: { GREETING: "hello", OPEN_BUTTON_TOKEN: "supplied-by-the-user", "-p 8080:8080": "1", "-p 72299:72299": "1" },
      },
    });
    const id = create.body.new_contract as number;
    const instance = await waitForStatus(emulator, id, "running", BOOT_TIMEOUT_MS);
    assert.equal(instance.intended_status, "running");
    assert.equal(instance.public_ipaddr, "127.0.0.1");
    assert.match(instance.status_msg, /^success, running 127\.0\.0\.1:5000\/vast-kit\/emulator-probe@sha256_[0-9a-f]{64}\/ssh$/);
    const hostPort: string = instance.ports["8080/tcp"][0].HostPort;
    assert.ok(instance.ports["7070/tcp"], "the image's EXPOSE port is mapped too");
    const identity = Object.keys(instance.ports).filter((key) => !["8080/tcp", "9090/tcp", "7070/tcp"].includes(key));
    assert.equal(identity.length, 1, "one identity port");
    assert.equal(instance.ports[identity[0] as string][0].HostPort, (identity[0] as string).split("/")[0], "same number inside and out");

    const [container, ...others] = await containersOf(emulator, id);
    assert.ok(container && others.length === 0, "exactly one container carries the instance label");
    const bindings = JSON.parse(await inspect(container, "{{json .HostConfig.PortBindings}}")) as Record<
      string,
      Array<{ HostIp: string; HostPort: string }>
    >;
    assert.deepEqual(bindings["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: hostPort }]);
    assert.deepEqual(Object.keys(bindings).sort(), Object.keys(instance.ports).sort());

    const secrets = (await call(emulator, "GET", `/_emulator/instances/${id}/secrets`)).body;
    const seen = await probe(hostPort);
    assert.deepEqual(seen.argv, ["from-image-cmd"], "ssh runtype keeps the image ENTRYPOINT and CMD");
    assert.equal(seen.env["GREETING"], "hello", "the request wins over the template");
    assert.equal(seen.env["FROM_TEMPLATE"], "yes");
    assert.equal(seen.env["ACCOUNT_SECRET"], "from-the-account");
    assert.equal(seen.env["SSH_PUBLIC_KEY"], "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDockerModeKey probe@test");
    assert.equal(seen.env["GPU_COUNT"], String(instance.num_gpus));
    assert.equal(seen.env["CONTAINER_ID"], String(id));
    assert.equal(seen.env["VAST_CONTAINERLABEL"], `C.${id}`);
    assert.equal(seen.env["PUBLIC_IPADDR"], "127.0.0.1");
    assert.equal(seen.env["CONTAINER_API_KEY"], create.body.instance_api_key);
    // The container reaches the API on the host's bridge address, not on the host's loopback.
    assert.match(seen.env["VAST_API_URL"] ?? "", /^http:\/\/\d+\.\d+\.\d+\.\d+:\d+$/);
    assert.doesNotMatch(seen.env["VAST_API_URL"] ?? "", /127\.0\.0\.1/);
    assert.equal(seen.env["JUPYTER_TOKEN"], instance.jupyter_token);
    assert.equal(seen.env["OPEN_BUTTON_TOKEN"], secrets.open_button_token, "the platform overwrites a supplied token");
    assert.match(secrets.open_button_token, /^[0-9a-f]{64}$/);
    for (const [key, [binding]] of Object.entries(instance.ports as Record<string, Array<{ HostPort: string }>>)) {
      if (key === identity[0]) continue;
      assert.equal(seen.env[`VAST_TCP_PORT_${key.split("/")[0]}`], binding?.HostPort);
    }
    // A self-mapped request is told the number drawn under its own name, as Vast does (instance-runtime.md §8.6).
    assert.equal(seen.env["VAST_TCP_PORT_72299"], (identity[0] as string).split("/")[0]);
    assert.equal(seen.env[`VAST_TCP_PORT_${(identity[0] as string).split("/")[0]}`], undefined);
    assert.ok(!seen.env["-p 8080:8080"], "flag keys are not variables");
    await waitFor("onstart to run", async () => ((await probe(hostPort)).onstart === "ran\n" ? true : undefined), 5000, 100);
    const logs = await call(emulator, "PUT", `/api/v0/instances/request_logs/${id}/`, { body: { tail: "5" } });
    const uploaded = await waitFor(
      "the log upload",
      async () => {
        const res = await request(logs.body.result_url as string, BOUNDED);
        const text = await res.body.text();
        return res.statusCode === 200 ? text : undefined;
      },
      5000,
      50,
    );
    // stdout and stderr reach the log through separate pipes, so their order is not asserted.
    assert.deepEqual(
      uploaded.split("\n").sort(),
      ["", "probe listening on 8080", "probe says hello on stderr"],
      "request_logs uploads the container's own output",
    );
    for (const path of [`/api/v0/instances/${id}/`, "/api/v1/instances/", "/api/v0/instances/?owner=me"]) {
      assert.ok(!(await call(emulator, "GET", path)).text.includes(secrets.open_button_token), `${path} never shows OPEN_BUTTON_TOKEN`);
    }

    await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "stopped" } });
    const stopped = await waitForStatus(emulator, id, "exited", BOOT_TIMEOUT_MS);
    assert.deepEqual([stopped.intended_status, stopped.status_msg, stopped.ports], ["stopped", "Exited (0), stopped by user", null]);
    assert.equal(await inspect(container, "{{.State.Status}}"), "exited");
    await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
    const started = await waitForStatus(emulator, id, "running", BOOT_TIMEOUT_MS);
    assert.equal(started.ports["8080/tcp"][0].HostPort, hostPort, "the same container, the same host port");
    assert.equal((await probe(hostPort)).env["CONTAINER_ID"], String(id));

    const other = await rent(emulator, (await cheapestOffer(emulator)).id, { image: probeRef });
    await waitForStatus(emulator, other, "running", BOOT_TIMEOUT_MS);
    const [otherContainer] = await containersOf(emulator, other);

    // close() leaves the containers running; a new emulator on the same state file takes them back
    // and notices the one removed behind its back.
    await emulator.close();
    assert.equal(await inspect(container, "{{.State.Status}}"), "running");
    await docker("rm", "-f", otherContainer as string);
    emulator = await dockerEmulator(statePath);
    assert.equal((await showInstance(emulator, id)).actual_status, "running");
    const gone = await waitForStatus(emulator, other, "exited", BOOT_TIMEOUT_MS);
    assert.deepEqual(
      [gone.intended_status, gone.status_msg],
      ["running", `Error response from daemon: No such container: vast-kit-emu-${emulator.containerOwner}-${other}`],
    );
    await call(emulator, "PUT", `/api/v0/instances/${other}/`, { body: { state: "running" } });
    await waitForStatus(emulator, other, "running", BOOT_TIMEOUT_MS);
    assert.equal((await containersOf(emulator, other)).length, 1, "a start without a container boots a new one");
    const startedAt = await inspect(container, "{{.State.StartedAt}}");
    await call(emulator, "PUT", `/api/v0/instances/reboot/${id}/`, { body: {} });
    await waitFor(
      "the container to restart",
      async () => ((await inspect(container, "{{.State.StartedAt}}")) !== startedAt ? true : undefined),
      BOOT_TIMEOUT_MS,
      100,
    );
    await waitForStatus(emulator, id, "running", BOOT_TIMEOUT_MS);
    assert.equal((await probe(hostPort)).env["VAST_CONTAINERLABEL"], `C.${id}`);

    assert.deepEqual((await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).body, { success: true });
    await waitFor(
      "the container to be removed",
      async () => ((await containersOf(emulator, id)).length === 0 ? true : undefined),
      BOOT_TIMEOUT_MS,
      100,
    );
  },
);

test(
  "an image that cannot be pulled fails the instance with the daemon message; a crash shows as exited and a start nudges it; a destroy does not wait for a slow stop",
  TEST_TIMEOUT,
  async (t) => {
    const emulator = await dockerEmulator();
    cleanUp(t, () => emulator);
    const missing = await rent(emulator, (await cheapestOffer(emulator)).id, { image: `${REGISTRY}/vast-kit/does-not-exist:1` });
    const failed = await waitForStatus(emulator, missing, "exited", BOOT_TIMEOUT_MS);
    assert.equal(failed.intended_status, "running");
    assert.equal(
      failed.status_msg,
      `Error response from daemon: manifest for ${REGISTRY}/vast-kit/does-not-exist:1 not found: manifest unknown: manifest unknown`,
    );
    assert.deepEqual(await containersOf(emulator, missing), []);

    const id = await rent(emulator, (await cheapestOffer(emulator)).id, {
      image: probeRef,
      runtype: "args",
      args: ["from-args"],
      env: { "-p 8080:8080": "1" },
    });
    const running = await waitForStatus(emulator, id, "running", BOOT_TIMEOUT_MS);
    const hostPort: string = running.ports["8080/tcp"][0].HostPort;
    assert.deepEqual((await probe(hostPort)).argv, ["from-args"], "args runtype replaces the image CMD");
    await request(`http://127.0.0.1:${hostPort}/exit`, BOUNDED).then((res) => res.body.text());
    const crashed = await waitForStatus(emulator, id, "exited", BOOT_TIMEOUT_MS);
    assert.deepEqual([crashed.intended_status, crashed.status_msg], ["running", "Exited (3)"]);
    await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
    await waitForStatus(emulator, id, "running", BOOT_TIMEOUT_MS);
    assert.deepEqual((await probe(hostPort)).argv, ["from-args"]);

    // A stop of a container that ignores SIGTERM takes docker's 10 s; a destroy does not wait for it.
    await request(`http://127.0.0.1:${hostPort}/ignore-sigterm`, BOUNDED).then((res) => res.body.text());
    await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "stopped" } });
    const destroyed = Date.now();
    await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} });
    await waitFor(
      "the container to be removed",
      async () => ((await containersOf(emulator, id)).length === 0 ? true : undefined),
      5000,
      50,
    );
    assert.ok(Date.now() - destroyed < 5000);

    const last = await rent(emulator, (await cheapestOffer(emulator)).id, { image: probeRef });
    await waitForStatus(emulator, last, "running", BOOT_TIMEOUT_MS);
    assert.deepEqual((await call(emulator, "DELETE", "/_emulator/containers")).body, { removed: 1 });
    assert.deepEqual(await containersOf(emulator, last), []);
  },
);

test(
  "npm run emulator -- --docker: a SIGTERM exits 0 and leaves the container running for the next emulator on the state file",
  TEST_TIMEOUT,
  async (t) => {
    const statePath = join(workDir, "cli.sqlite");
    const child = spawn(process.execPath, ["emulator/cli.ts", "--docker", "--port", "0", "--api-key", API_KEY, "--state", statePath], {
      cwd: join(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    t.after(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const url = await waitFor(
      "the ready line",
      async () => {
        if (child.exitCode !== null) throw new Error(`the emulator exited ${child.exitCode}; stderr: ${stderr}`);
        return /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)?.[1];
      },
      10_000,
      50,
    );
    const id = await rent({ url }, (await cheapestOffer({ url })).id, { image: probeRef });
    await waitForStatus({ url }, id, "running", BOOT_TIMEOUT_MS);
    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
    assert.match(stderr, new RegExp(`instance ${id} running: success, running `));

    const emulator = await dockerEmulator(statePath);
    cleanUp(t, () => emulator);
    const [container] = await containersOf(emulator, id);
    assert.equal(await inspect(container as string, "{{.State.Status}}"), "running");
    assert.equal((await showInstance(emulator, id)).actual_status, "running");
  },
);

test(
  "a private registry: the pull logs in with image_login or the template's docker_login_*, and fails without",
  TEST_TIMEOUT,
  async (t) => {
    // Basic auth in front of the local registry, as `auth.htpasswd` would put it (environment.md, Docker).
    const authorization = `Basic ${Buffer.from("puller:pull-secret-7f").toString("base64")}`;
    const proxy = createServer((req, res) => {
      if (req.headers.authorization !== authorization) {
        res.writeHead(401, {
          "www-authenticate": 'Basic realm="emulator-test"',
          "docker-distribution-api-version": "registry/2.0",
          "content-type": "application/json",
        });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        return;
      }
      const upstream = httpRequest({ host: "127.0.0.1", port: 5000, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const server = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const privateRef = probeRef.replace(REGISTRY, server);
    const emulator = await dockerEmulator();
    cleanUp(t, () => emulator);

    const anonymous = await rent(emulator, (await cheapestOffer(emulator)).id, { image: privateRef });
    const refused = await waitForStatus(emulator, anonymous, "exited", BOOT_TIMEOUT_MS);
    assert.match(refused.status_msg, /^Error response from daemon: .*no basic auth credentials/);

    const template = await call(emulator, "POST", "/api/v0/template/", {
      body: {
        name: "private",
        image: privateRef,
        runtype: "ssh",
        docker_login_user: "puller",
        docker_login_pass: "pull-secret-7f",
        docker_login_repo: server,
      },
    });
    const fromTemplate = await rent(emulator, (await cheapestOffer(emulator)).id, {
      image: null,
      template_hash_id: template.body.template.hash_id,
    });
    await waitForStatus(emulator, fromTemplate, "running", BOOT_TIMEOUT_MS);
    const withLogin = await rent(emulator, (await cheapestOffer(emulator)).id, {
      image: privateRef,
      image_login: `-u puller -p pull-secret-7f ${server}`,
    });
    const running = await waitForStatus(emulator, withLogin, "running", BOOT_TIMEOUT_MS);
    assert.ok(!JSON.stringify(running).includes("pull-secret-7f"), "the login is never shown");
  },
);

test("a boot and a stop cut short by close() are finished by the next emulator on the state file", TEST_TIMEOUT, async (t) => {
  const statePath = join(workDir, "cut-short.sqlite");
  let emulator = await dockerEmulator(statePath);
  cleanUp(t, () => emulator);
  const stopping = await rent(emulator, (await cheapestOffer(emulator)).id, { image: probeRef });
  await waitForStatus(emulator, stopping, "running", BOOT_TIMEOUT_MS);
  const booting = await rent(emulator, (await cheapestOffer(emulator)).id, { image: probeRef });
  await call(emulator, "PUT", `/api/v0/instances/${stopping}/`, { body: { state: "stopped" } });
  await emulator.close();

  emulator = await dockerEmulator(statePath);
  await waitForStatus(emulator, booting, "running", BOOT_TIMEOUT_MS);
  const stopped = await waitForStatus(emulator, stopping, "exited", BOOT_TIMEOUT_MS);
  assert.equal(stopped.intended_status, "stopped");
  const [bootingContainer, ...extra] = await containersOf(emulator, booting);
  assert.equal(extra.length, 0, "one container per instance");
  assert.equal(await inspect(bootingContainer as string, "{{.State.Status}}"), "running");
  assert.equal(await inspect((await containersOf(emulator, stopping))[0] as string, "{{.State.Status}}"), "exited");
});

test("without an engine on the socket, a Docker-mode start fails with a code and the way to get one", TEST_TIMEOUT, async () => {
  await assert.rejects(startEmulator({ apiKey: API_KEY, docker: true, dockerSocket: join(workDir, "no-docker.sock") }), {
    code: "EMU_DOCKER_UNAVAILABLE",
    message: new RegExp(
      `^Docker mode needs a Docker engine on ${workDir}/no-docker\\.sock \\(bash toolchain/docker\\.sh starts one\\): Cannot connect to the Docker daemon at unix://`,
    ),
  });
});
