/**
 * The portal app through startPortal (instance-runtime.md §4.1, §5): apps,
 * direct URLs, quick and named tunnels with the cloudflared stand-in, log
 * download and metrics, over a temporary INSTANCE_ROOT.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { startPortal } from "../../portal/server.ts";
import type { PortalHandle } from "../../portal/server.ts";
import { FAKE_CLOUDFLARED, freePort, get, tempInstanceRoot } from "./_helpers.ts";

interface Started {
  readonly portal: PortalHandle;
  readonly root: string;
  readonly front: number;
  readonly app: number;
  readonly lines: string[];
}

async function start(t: TestContext, env: Record<string, string> = {}, spacingMs = 2000): Promise<Started> {
  const root = await tempInstanceRoot(t);
  const [front, app, jupyterFront, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const lines: string[] = [];
  const portal = await startPortal({
    env: {
      PATH: process.env.PATH,
      INSTANCE_ROOT: root,
      PORTAL_FRONT_HOST: "127.0.0.1",
      PORTAL_APP_PORT: String(app),
      PORTAL_TUNNEL_API_PORT: String(await freePort()),
      PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal|localhost:${jupyterFront}:18080:/tree:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal`,
      [`VAST_TCP_PORT_${front}`]: "41111",
      VAST_TCP_PORT_1111: "41111",
      OPEN_BUTTON_TOKEN: "obt-secret",
      WEB_PASSWORD: "pw-secret",
      VAST_CONTAINERLABEL: "C.42",
      CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
      PORTAL_TUNNEL_TIMEOUT_MS: "3000",
      PORTAL_DEFAULT_TUNNELS: "false",
      CLOUDFLARE_METRICS: `127.0.0.1:${metricsPort}`,
      PUBLIC_IPADDR: "198.51.100.7",
      ...env,
    },
    log: (l) => lines.push(l),
    defaultTunnelPacing: { spacingMs, retryDelaysMs: [100] },
  });
  t.after(() => portal.close());
  return { portal, root, front, app, lines };
}

const AUTH = { Authorization: "Bearer pw-secret" };

test("starts one front per proxied, mapped app and reports each listener", async (t) => {
  const { portal, front, lines } = await start(t);
  assert.deepEqual(
    portal.fronts.map((f) => [f.name, f.port]),
    [["Instance Portal", front]],
  );
  assert.ok(lines.some((l) => l.includes(`front "Instance Portal" listening on http://127.0.0.1:${front}`)));
  assert.equal((await get(front, "/health")).status, 401);
  assert.deepEqual(JSON.parse((await get(front, "/health", { headers: AUTH })).body), { status: "ok" });
});

test("/get-applications hydrates target_url, mapped_port and the cookie token (None without one)", async (t) => {
  const { front } = await start(t);
  const withCookie = JSON.parse((await get(front, "/get-applications", { headers: { Cookie: "C.42_auth_token=obt-secret" } })).body);
  assert.equal(withCookie[0].open_path, "/?token=obt-secret");
  assert.equal(withCookie[0].mapped_port, "41111");
  assert.equal(withCookie[1].mapped_port, "");
  // §2.3: a straight-through 8080 entry is http when another entry does not proxy 8080... here none does: https.
  assert.equal(withCookie[2].target_url, "https://localhost:8080");
  const bearer = JSON.parse((await get(front, "/get-applications", { headers: AUTH })).body);
  assert.equal(bearer[0].open_path, "/?token=None");
});

test("the landing page redirects ?token= to / and learns the public IP from X-Forwarded-Host", async (t) => {
  const { app } = await start(t, { PUBLIC_IPADDR: "" });
  assert.equal((await get(app, "/?token=x")).headers.location, "/");
  assert.equal((await get(app, "/get-direct-url/1111")).status, 404);
  const page = await get(app, "/", { headers: { "X-Forwarded-Host": "203.0.113.50:41111" } });
  assert.equal(page.status, 200);
  assert.match(page.body, /"direct_https":"false"/);
  assert.deepEqual(JSON.parse((await get(app, "/get-direct-url/1111")).body), { result: "http://203.0.113.50:41111" });
  assert.deepEqual(JSON.parse((await get(app, "/get-direct-url/9999")).body), { detail: "Direct URL unavailable" });
});

test("quick tunnels: create-or-get, existing, list, refresh and stop through the cloudflared stand-in", async (t) => {
  const root = await tempInstanceRoot(t);
  const argvFile = path.join(root, "argv.jsonl");
  const { app } = await start(t, { FAKE_CLOUDFLARED_ARGV: argvFile });
  const target = encodeURIComponent("http://localhost:8080");
  assert.equal((await get(app, `/get-existing-quick-tunnel/${target}`)).status, 404);
  const created = JSON.parse((await get(app, `/start-quick-tunnel/${target}`, { method: "POST" })).body);
  assert.match(created.tunnel_url, /^https:\/\/\w+(-\w+)+\.trycloudflare\.com$/);
  const again = JSON.parse((await get(app, `/start-quick-tunnel/${target}`, { method: "POST" })).body);
  assert.equal(again.tunnel_url, created.tunnel_url);
  const existing = await get(app, "/get-existing-quick-tunnel/http://localhost:8080");
  assert.equal(existing.body, created.tunnel_url);
  assert.deepEqual(JSON.parse((await get(app, "/get-all-quick-tunnels")).body), [
    { targetUrl: "http://localhost:8080", tunnelUrl: created.tunnel_url },
  ]);
  const argv = (await fs.readFile(argvFile, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(argv, [["--no-autoupdate", "--no-tls-verify", "--url", "http://localhost:8080"]]);
  const refreshed = JSON.parse((await get(app, `/refresh-quick-tunnel/${target}`, { method: "POST" })).body);
  assert.notEqual(refreshed.tunnel_url, created.tunnel_url);
  assert.deepEqual(JSON.parse((await get(app, `/stop-quick-tunnel/${target}`, { method: "POST" })).body), {
    message: "Quick tunnel stopped successfully",
  });
  assert.equal((await get(app, `/stop-quick-tunnel/${target}`, { method: "POST" })).status, 404);
  assert.deepEqual(JSON.parse((await get(app, "/get-all-quick-tunnels")).body), []);
});

test("a quick tunnel that never announces a URL fails after the timeout; one that exits fails at once", async (t) => {
  const silent = await start(t, { FAKE_CLOUDFLARED_MODE: "silent", PORTAL_TUNNEL_TIMEOUT_MS: "400" });
  const r = await get(silent.app, "/start-quick-tunnel/localhost:9", { method: "POST" });
  assert.equal(r.status, 500);
  assert.match(JSON.parse(r.body).detail, /didn't start within/);
  assert.deepEqual(JSON.parse((await get(silent.app, "/get-all-quick-tunnels")).body), []);
  const exits = await start(t, { FAKE_CLOUDFLARED_MODE: "exit" });
  const e = await get(exits.app, "/start-quick-tunnel/localhost:9", { method: "POST" });
  assert.match(JSON.parse(e.body).detail, /exited with 1/);
});

test("default tunnels start one per external port at start, and close() stops every cloudflared", async (t) => {
  const root = await tempInstanceRoot(t);
  const pidFile = path.join(root, "pids");
  const { portal } = await start(t, { PORTAL_DEFAULT_TUNNELS: "true", FAKE_CLOUDFLARED_PIDS: pidFile }, 50);
  const deadline = Date.now() + 8000;
  while (portal.tunnels.allQuickTunnels().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const targets = portal.tunnels
    .allQuickTunnels()
    .map((l) => l.targetUrl)
    .sort();
  assert.equal(targets.length, 3);
  assert.ok(targets.includes("https://localhost:8080"));
  await portal.close();
  const pids = (await fs.readFile(pidFile, "utf8")).trim().split("\n").map(Number);
  assert.equal(pids.length, 3);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
});

test("the named tunnel starts from CF_TUNNEL_TOKEN and its hostnames come from the metrics /config", async (t) => {
  const { app, front } = await start(t, {
    CF_TUNNEL_TOKEN: "eyJhIjoiMSJ9",
    FAKE_CLOUDFLARED_INGRESS: JSON.stringify([
      { hostname: "portal.example.com", service: "http://localhost:1111" },
      { hostname: "api.example.com", service: "http://localhost:8000" },
      { service: "http_status:404" },
    ]),
  });
  let named: unknown;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const r = await get(app, "/get-named-tunnels");
    if (r.status === 200) {
      named = JSON.parse(r.body);
      break;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.deepEqual(named, [
    { targetUrl: "http://localhost:1111", tunnelUrl: "https://portal.example.com" },
    { targetUrl: "http://localhost:8000", tunnelUrl: "https://api.example.com" },
  ]);
  assert.equal((await get(app, "/get-existing-named-tunnel/8000")).body, "https://api.example.com");
  assert.equal((await get(app, "/get-existing-named-tunnel/7000")).status, 404);
  assert.equal((await get(front, "/get-named-tunnels", { headers: AUTH })).status, 200);
});

test("without CF_TUNNEL_TOKEN the named-tunnel routes answer 404", async (t) => {
  const { app } = await start(t);
  assert.deepEqual(JSON.parse((await get(app, "/get-named-tunnels")).body), { detail: "Tunnel config not found" });
  assert.equal((await get(app, "/get-existing-named-tunnel/1111")).status, 404);
});

test("/download-logs zips everything under /var/log with paths relative to /var", async (t) => {
  const { app, root } = await start(t);
  await fs.writeFile(path.join(root, "var/log/portal/jupyter.log"), "line one\nline two\n");
  await fs.mkdir(path.join(root, "var/log/supervisor"), { recursive: true });
  await fs.writeFile(path.join(root, "var/log/supervisor/supervisord.log"), "started\n");
  const r = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    import("node:http").then(({ default: http }) =>
      http
        .get({ host: "127.0.0.1", port: app, path: '/download-logs?filename=my%20logs"x' }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on("error", reject),
    );
  });
  assert.equal(r.headers["content-type"], "application/zip");
  assert.equal(r.headers["content-disposition"], 'attachment; filename="mylogsx.zip"');
  const zipPath = path.join(root, "out.zip");
  await fs.writeFile(zipPath, r.body);
  const listing = execFileSync(
    "python3",
    [
      "-c",
      "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip()); [print(n, z.read(n).decode()[:8]) for n in sorted(z.namelist())]",
      zipPath,
    ],
    { encoding: "utf8" },
  );
  assert.match(listing, /^None\n/);
  assert.match(listing, /log\/portal\/jupyter\.log line one/);
  assert.match(listing, /log\/supervisor\/supervisord\.log started/);
  const dflt = await get(app, "/download-logs");
  assert.match(String(dflt.headers["content-disposition"]), /^attachment; filename="logs_\d{8}_\d{6}\.zip"$/);
});

test("/system-metrics reports ram, disk, cpu and gpu with finite numbers or null", async (t) => {
  const { app } = await start(t);
  const m = JSON.parse((await get(app, "/system-metrics")).body);
  assert.ok(m.ram.total > 0 && m.ram.used > 0);
  assert.ok(m.disk.total > 0);
  assert.ok(m.cpu.count >= 1);
  assert.ok(m.cpu.percent === null || (m.cpu.percent >= 0 && m.cpu.percent <= 100));
  assert.ok(["container", "host"].includes(m.environment));
  assert.equal(m.gpu.memory_unit, "MB");
  assert.equal(typeof m.gpu.count, "number");
});

test("unknown routes answer 404 and a malformed PORTAL_CONFIG stops the start with the entry named", async (t) => {
  const { app } = await start(t);
  assert.deepEqual(JSON.parse((await get(app, "/nope")).body), { detail: "Not Found" });
  const root = await tempInstanceRoot(t);
  await assert.rejects(
    startPortal({
      env: {
        INSTANCE_ROOT: root,
        PORTAL_CONFIG: "localhost:1:2:/:A|broken",
        PORTAL_APP_PORT: String(await freePort()),
        PORTAL_TUNNEL_API_PORT: String(await freePort()),
      },
      log: () => {},
    }),
    /entry 2 \("broken"\)/,
  );
  await assert.rejects(fs.stat(path.join(root, "etc/portal.yaml")), { code: "ENOENT" });
});

test("the tunnel API on its own port shares tunnels and the public IP with the portal app (§5.4)", async (t) => {
  const { portal, app } = await start(t);
  const tm = portal.tunnelApiPort;
  assert.equal((await get(tm, "/set-public-ip/not-an-ip", { method: "PUT" })).status, 500);
  assert.deepEqual(JSON.parse((await get(tm, "/set-public-ip/203.0.113.9", { method: "PUT" })).body), {
    message: "Public IP set successfully",
  });
  assert.deepEqual(JSON.parse((await get(app, "/get-direct-url/1111")).body), { result: "http://203.0.113.9:41111" });
  assert.deepEqual(JSON.parse((await get(tm, "/get-direct-url/1111")).body), { result: "http://203.0.113.9:41111" });
  assert.equal((await get(tm, "/get-quick-tunnel-if-exists/http://localhost:7000")).status, 404);
  const created = JSON.parse((await get(tm, "/get-quick-tunnel/http://localhost:7000")).body);
  assert.match(created.tunnel_url, /trycloudflare\.com$/);
  assert.equal((await get(app, "/get-existing-quick-tunnel/http%3A%2F%2Flocalhost%3A7000")).body, created.tunnel_url);
  assert.deepEqual(JSON.parse((await get(tm, "/get-quick-tunnel-if-exists/http://localhost:7000")).body), created);
  assert.deepEqual(JSON.parse((await get(tm, "/get-named-tunnel/1111")).body), { detail: "CF_TUNNEL_TOKEN is not set" });
  assert.equal((await get(tm, "/stop-quick-tunnel/http://localhost:7000", { method: "POST" })).status, 200);
  assert.deepEqual(JSON.parse((await get(tm, "/get-all-quick-tunnels")).body), []);
});
