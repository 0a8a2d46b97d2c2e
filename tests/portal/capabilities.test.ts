/**
 * The capability manifest (instance-runtime.md §8.10, §4.1) over real HTTP:
 * through the front (auth as every route) and on the app port, from a
 * temporary INSTANCE_ROOT with fragments, a venv, marker files, a real
 * supervisord and real listening sockets; and the extension hook through which
 * `POST /capabilities/provision` plugs in, driven in-process.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { loadSettings } from "../../portal/config.ts";
import { resolveInstancePaths } from "../../portal/paths.ts";
import { startPortal } from "../../portal/server.ts";
import { AppsFile } from "../../portal/app/applications.ts";
import { capabilityRoutes } from "../../portal/app/capability-routes.ts";
import type { CapabilityExtension } from "../../portal/app/capability-extensions.ts";
import { DirectUrls } from "../../portal/app/direct-urls.ts";
import { createRouter, sendJson } from "../../portal/app/http.ts";
import { MetricsCollector } from "../../portal/app/metrics.ts";
import { SupervisorClient } from "../../portal/app/supervisor.ts";
import { freePort, get, inProcess, listenOn, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";
import { sleepProgram, startSupervisord } from "./_supervisord.ts";

/** A parsed JSON body; its fields are asserted one by one. */
type Json = Record<string, any>;

/** A TCP listener on a free loopback port, closed after the test. */
async function listening(t: TestContext): Promise<number> {
  const server = net.createServer();
  const port = await listenOn(server as unknown as http.Server);
  t.after(() => new Promise((r) => server.close(r)));
  return port;
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), text);
  }
}

test("GET /capabilities describes the instance from fragments, settings, /etc/portal.yaml and live state, behind the front's auth", async (t) => {
  const root = await tempInstanceRoot(t);
  await writeFiles(root, {
    "etc/vast_capabilities.d/30-llm.yaml": [
      "image: { name: llm derivative, version: '1.2' }",
      "tools: [{ name: sh, purpose: shell }, { name: no-such-tool-xyz }]",
      "python_environments: [{ name: main, packages_of_interest: [torch, Pillow] }]",
      "openai_endpoints: [{ service: LLM Server, capabilities: [chat, embeddings], models_path: /v1/models }]",
    ].join("\n"),
    "etc/vast_capabilities.d/40-bad.yaml": "tools: not a list\n",
    "etc/vast_capabilities.d/50-broken.yaml": "image: [unclosed\n",
    "venv/main/pyvenv.cfg": "home = /usr/bin\n",
    "venv/main/lib/python3.11/site-packages/torch-2.5.1.dist-info/METADATA": "Name: torch\n",
    "venv/main/lib/python3.11/site-packages/pillow-11.0.0.dist-info/METADATA": "Name: pillow\n",
    "root/.config/rclone/rclone.conf": "[s3]\n",
    ".provisioning": "",
  });
  await startSupervisord(t, root, [sleepProgram("instance_portal"), sleepProgram("jupyter", false), sleepProgram("llm_server")]);
  const [front, app, jupyter, llm, idle] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const [busy, selfMapped] = await Promise.all([listening(t), listening(t)]);
  const lines: string[] = [];
  const portal = await startPortal({
    env: await portalTestEnv(root, app, front, {
      PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal|localhost:${jupyter}:18080:/tree:Jupyter|localhost:${llm}:18000:/:LLM Server`,
      [`VAST_TCP_PORT_${front}`]: "41111",
      [`VAST_TCP_PORT_${llm}`]: "42000",
      [`VAST_TCP_PORT_${busy}`]: "43000",
      [`VAST_TCP_PORT_${idle}`]: "44000",
      VAST_TCP_PORT_72299: String(selfMapped),
      VAST_UDP_PORT_21027: "45000",
      VAST_TCP_PORT_9: "not-a-port",
      WEB_PASSWORD: "pw-secret",
      OPEN_BUTTON_TOKEN: "obt-secret",
      HF_TOKEN: "hf_value_that_must_not_leak",
      VAST_CONTAINERLABEL: "C.4242",
      CONTAINER_ID: "4242",
      PUBLIC_IPADDR: "198.51.100.7",
      AUTH_EXCLUDE: "9999",
    }),
    log: (line) => lines.push(line),
  });
  t.after(() => portal.close());

  assert.equal((await get(front, "/capabilities")).status, 401);
  const viaFront = await get(front, "/capabilities", { headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(viaFront.status, 200);
  assert.equal(viaFront.headers["content-type"], "application/json");
  for (const secret of ["hf_value_that_must_not_leak", "pw-secret", "obt-secret"])
    assert.ok(!viaFront.body.includes(secret), `${secret} leaked`);

  // supervisord answers a little after it starts: wait until the manifest sees it.
  const m = await waitFor(
    "supervisor states in the manifest",
    async () => {
      const body = JSON.parse((await get(app, "/capabilities")).body) as Json;
      return body.services.find((s: Json) => s.name === "LLM Server").state === "RUNNING" ? body : undefined;
    },
    10_000,
  );
  assert.equal(m.schema_version, 1);
  assert.match(m.generated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(m.image, {
    name: "llm derivative",
    version: "1.2",
    repo: "https://github.com/vast-ai/base-image",
    compatible_with: "vastai/base-image (portal v3.1.5 contract)",
  });
  assert.deepEqual(m.credentials, {
    huggingface: true,
    civitai: false,
    rclone_configured: true,
    note: "presence only; token values are not exposed",
  });
  assert.deepEqual(
    { ...m.instance, open_ports: undefined },
    {
      container_id: "4242",
      containerlabel: "C.4242",
      workspace: "/workspace",
      workspace_is_volume: false,
      scheme: "http",
      public_ip: "198.51.100.7",
      open_ports: undefined,
    },
  );
  assert.deepEqual(
    m.instance.open_ports,
    [
      { proto: "tcp", container_port: busy, public_port: "43000", in_use: true },
      { proto: "tcp", container_port: idle, public_port: "44000", in_use: false },
      { proto: "tcp", container_port: front, public_port: "41111", in_use: true, service: "Instance Portal" },
      { proto: "tcp", container_port: llm, public_port: "42000", in_use: true, service: "LLM Server" },
      {
        proto: "tcp",
        container_port: 72299,
        public_port: String(selfMapped),
        self_mapped: true,
        bind_port: selfMapped,
        note: `bind port ${selfMapped} inside the container (VAST_TCP_PORT_72299)`,
        in_use: true,
      },
      { proto: "udp", container_port: 21027, public_port: "45000", in_use: false },
    ].sort((a, b) => a.proto.localeCompare(b.proto) || a.container_port - b.container_port),
  );
  assert.deepEqual(m.hardware, { gpu: { summary: "No GPU detected" } });
  assert.deepEqual(m.python_environments, [
    {
      name: "main",
      path: "/venv/main",
      activate: "source /venv/main/bin/activate",
      packages_of_interest: ["pip", "torch", "Pillow"],
      kind: "venv",
    },
  ]);
  const tools = new Map((m.tools as Json[]).map((tool) => [tool.name, tool.available]));
  assert.equal(tools.get("sh"), true);
  assert.equal(tools.get("no-such-tool-xyz"), false);

  const byName = new Map((m.services as Json[]).map((s) => [s.name, s]));
  assert.deepEqual(byName.get("LLM Server"), {
    name: "LLM Server",
    hostname: "localhost",
    internal_port: 18000,
    external_port: llm,
    open_path: "/",
    mapped_port: "42000",
    internal_url: "http://localhost:18000",
    direct_url: "http://198.51.100.7:42000/",
    supervisor_process: "llm_server",
    state: "RUNNING",
    openai_v1_base: "http://198.51.100.7:42000/v1",
    capabilities: ["chat", "embeddings"],
  });
  assert.equal(byName.get("Jupyter")?.state, "STOPPED");
  assert.equal(byName.get("Jupyter")?.direct_url, null);
  assert.equal(byName.get("Instance Portal")?.supervisor_process, "instance_portal");
  assert.deepEqual(m.endpoints_openai, [
    {
      service: "LLM Server",
      base_url: "http://198.51.100.7:42000/v1",
      internal_base_url: "http://localhost:18000/v1",
      capabilities: ["chat", "embeddings"],
      models_path: "/v1/models",
      auth: { type: "bearer", token_env: ["OPEN_BUTTON_TOKEN", "WEB_PASSWORD"] },
    },
  ]);
  assert.equal(m.provisioning.status, "in_progress");
  assert.equal(m.provisioning.runtime_endpoint, "POST /capabilities/provision", "the provisioner is a registered extension");
  assert.equal(m.provisioning.log_file, "/var/log/portal/provisioning.log");
  assert.deepEqual(m.auth, {
    edge: "caddy",
    enabled: true,
    token_env: ["OPEN_BUTTON_TOKEN", "WEB_PASSWORD"],
    methods: ["bearer", "cookie", "query"],
    bearer_header: "Authorization: Bearer <token>",
    cookie_name: "C.4242_auth_token",
    query_param: "token",
    excluded_ports: ["9999"],
    note: m.auth.note,
  });
  assert.deepEqual(
    (m.discovery.endpoints as Json[]).map((e) => `${e.method} ${e.path}`),
    [
      "GET /capabilities",
      "GET /.well-known/vast-capabilities",
      "GET /capabilities/services",
      "GET /capabilities/endpoints",
      "POST /capabilities/provision",
      "GET /capabilities/provision/:job",
    ],
  );
  assert.equal(m.discovery.fragment_errors.length, 2);
  assert.match(m.discovery.fragment_errors[0], /40-bad\.yaml: tools: /);
  assert.match(m.discovery.fragment_errors[1], /50-broken\.yaml: not valid YAML/);
  // Each bad fragment is logged once, however many requests read it.
  assert.equal(lines.filter((l) => l.includes("capabilities: fragment left out") && l.includes("40-bad.yaml")).length, 1);

  const wellKnown = JSON.parse((await get(app, "/.well-known/vast-capabilities")).body) as Json;
  assert.deepEqual({ ...wellKnown, generated_at: 0 }, { ...m, generated_at: 0 });

  const full = JSON.parse((await get(app, "/capabilities?include=metrics&include=packages")).body) as Json;
  assert.deepEqual(Object.keys(full.hardware).sort(), ["cpu", "disk", "gpu", "ram"]);
  assert.equal(typeof full.hardware.ram.total, "number");
  assert.equal(full.hardware.gpu.summary, "No GPU detected");
  assert.deepEqual(full.python_environments[0].package_versions, { pip: null, torch: "2.5.1", Pillow: "11.0.0" });
  const commaForm = JSON.parse((await get(app, "/capabilities?include=packages,metrics")).body) as Json;
  assert.deepEqual(Object.keys(commaForm.hardware).sort(), ["cpu", "disk", "gpu", "ram"]);
  const bad = await get(app, "/capabilities?include=metrics,gpus");
  assert.equal(bad.status, 400);
  assert.deepEqual(JSON.parse(bad.body), { detail: 'include: unknown value "gpus"; allowed: metrics, packages' });

  const services = JSON.parse((await get(app, "/capabilities/services")).body) as Json;
  assert.deepEqual(Object.keys(services), ["schema_version", "generated_at", "services"]);
  assert.deepEqual(services.services, m.services);
  const endpoints = JSON.parse((await get(app, "/capabilities/endpoints")).body) as Json;
  assert.deepEqual(Object.keys(endpoints), ["schema_version", "generated_at", "endpoints_openai"]);
  assert.deepEqual(endpoints.endpoints_openai, m.endpoints_openai);

  await fs.writeFile(path.join(root, ".provisioning_complete"), "");
  assert.equal((JSON.parse((await get(app, "/capabilities")).body) as Json).provisioning.status, "complete");
});

/** What the manifest is built from, over a temporary root, for in-process tests. */
async function inProcessDeps(t: TestContext) {
  const root = await tempInstanceRoot(t);
  const settings = loadSettings(await portalTestEnv(root, await freePort()));
  const paths = resolveInstancePaths(root);
  return {
    settings,
    paths,
    appsFile: new AppsFile(paths.portalYaml),
    direct: new DirectUrls(false, settings.mappedPorts, settings.publicIp),
    supervisor: new SupervisorClient({
      socketPath: paths.supervisorSocket,
      skipDir: paths.supervisorSkipDir,
      launchMarker: paths.launchMarker,
      unstoppable: settings.unstoppable,
    }),
    metrics: new MetricsCollector({ rootPath: root, workspace: settings.workspace, isContainer: async () => false }),
    gpuSummary: async () => "No GPU detected",
    log: () => {},
  };
}

test("a capability extension's route is served and listed, and provisioning points at POST /capabilities/provision", async (t) => {
  const deps = await inProcessDeps(t);
  const { paths } = deps;
  const seen: string[] = [];
  const provisioning: CapabilityExtension = (context) => [
    {
      method: "POST",
      path: "/capabilities/provision",
      summary: "install more at runtime",
      handler: ({ res }) => {
        seen.push(context.paths.portalLogDir);
        sendJson(res, 200, { status: "started", log_file: "/var/log/portal/provisioning.log" });
      },
    },
  ];
  const app = inProcess(http.createServer(createRouter(capabilityRoutes(deps, [provisioning]))));

  const m = JSON.parse((await get(app, "/capabilities")).body) as Json;
  assert.equal(m.provisioning.runtime_endpoint, "POST /capabilities/provision");
  assert.match(m.provisioning.how_to, /Runtime: POST \/capabilities\/provision \(install more at runtime\)/);
  assert.deepEqual(m.discovery.endpoints.at(-1), { method: "POST", path: "/capabilities/provision", summary: "install more at runtime" });
  const started = await get(app, "/capabilities/provision", { method: "POST", body: "{}" });
  assert.deepEqual(JSON.parse(started.body), { status: "started", log_file: "/var/log/portal/provisioning.log" });
  assert.deepEqual(seen, [paths.portalLogDir]);
  assert.equal((await get(app, "/capabilities/provision")).status, 405);

  const stray: CapabilityExtension = () => [{ method: "GET", path: "/provision", summary: "x", handler: () => {} }];
  assert.throws(() => capabilityRoutes(deps, [stray]), {
    name: "TypeError",
    message: "a capability extension route must be under /capabilities/, got /provision",
  });
});

test("with an NVIDIA driver loaded, hardware.gpu.cuda reports its version and whether a CUDA toolkit is installed", async (t) => {
  const deps = await inProcessDeps(t);
  const app = inProcess(http.createServer(createRouter(capabilityRoutes(deps, []))));
  const root = deps.settings.instanceRoot;
  await writeFiles(root, {
    "proc/driver/nvidia/version":
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\nGCC version:  gcc version 12.2.0\n",
  });
  const without = (JSON.parse((await get(app, "/capabilities")).body) as Json).hardware.gpu.cuda;
  assert.deepEqual([without.driver_version, without.toolkit_installed], ["550.54.14", false]);
  await fs.mkdir(path.join(root, "usr/local/cuda"), { recursive: true });
  assert.equal((JSON.parse((await get(app, "/capabilities")).body) as Json).hardware.gpu.cuda.toolkit_installed, true);
});
