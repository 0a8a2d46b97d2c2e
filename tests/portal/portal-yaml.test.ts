/**
 * PORTAL_CONFIG → /etc/portal.yaml (instance-runtime.md §2.2): cache preference and atomic
 * publication; the instance paths and the portal's settings. The grammar is tested in
 * tests/contracts/portal-config.test.ts.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import YAML from "yaml";
import { isPortalError, PortalErrorCode } from "../../portal/errors.ts";
import { loadPortalApps, readPortalYaml } from "../../portal/portal-yaml.ts";
import { instancePath, resolveInstancePaths } from "../../portal/paths.ts";
import { loadSettings } from "../../portal/config.ts";

const DEFAULT =
  "localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:8384:18384:/:Syncthing|localhost:6006:16006:/:Tensorboard";

async function tempRoot(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "portal-cfg-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test("generates /etc/portal.yaml from PORTAL_CONFIG atomically with mode 0644 and the §2.2 shape", async (t) => {
  const root = await tempRoot(t);
  const yamlPath = instancePath("/etc/portal.yaml", root);
  const got = await loadPortalApps({ yamlPath, portalConfig: DEFAULT });
  assert.equal(got.source, "env");
  assert.equal((await fs.stat(yamlPath)).mode & 0o777, 0o644);
  const doc = YAML.parse(await fs.readFile(yamlPath, "utf8"));
  assert.deepEqual(Object.keys(doc.applications), ["Instance Portal", "Jupyter", "Jupyter Terminal", "Syncthing", "Tensorboard"]);
  assert.deepEqual(doc.applications.Syncthing, {
    hostname: "localhost",
    external_port: 8384,
    internal_port: 18384,
    open_path: "/",
    name: "Syncthing",
  });
  assert.deepEqual(
    (await fs.readdir(path.dirname(yamlPath))).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test("the cache is preferred over PORTAL_CONFIG, and an unusable cache is regenerated", async (t) => {
  const root = await tempRoot(t);
  const yamlPath = instancePath("/etc/portal.yaml", root);
  await loadPortalApps({ yamlPath, portalConfig: "localhost:1111:11111:/:Instance Portal" });
  const cached = await loadPortalApps({ yamlPath, portalConfig: DEFAULT });
  assert.equal(cached.source, "cache");
  assert.equal(cached.apps.length, 1);
  for (const bad of ["", "applications: {}\n", "applications: []\n", "- a\n", "applications:\n  X: {hostname: 1}\n", ": : :\n"]) {
    await fs.writeFile(yamlPath, bad);
    const lines: string[] = [];
    const got = await loadPortalApps({ yamlPath, portalConfig: DEFAULT, log: (l) => lines.push(l) });
    assert.equal(got.source, "env", bad);
    assert.equal(got.apps.length, 5);
    assert.match(lines[0] ?? "", /ignoring/);
  }
});

test("a malformed PORTAL_CONFIG publishes nothing, not even an empty file", async (t) => {
  const root = await tempRoot(t);
  const yamlPath = instancePath("/etc/portal.yaml", root);
  await assert.rejects(loadPortalApps({ yamlPath, portalConfig: "localhost:1111:11111:/:Portal|oops" }), /entry 2/);
  await assert.rejects(fs.stat(yamlPath), { code: "ENOENT" });
});

test('no PORTAL_CONFIG publishes "applications: {}" and keeps an existing file mode', async (t) => {
  const root = await tempRoot(t);
  const yamlPath = instancePath("/etc/portal.yaml", root);
  const got = await loadPortalApps({ yamlPath });
  assert.equal(got.source, "empty");
  assert.equal(await fs.readFile(yamlPath, "utf8"), "applications: {}\n");
  assert.deepEqual(readPortalYaml("applications: {}\n"), { reason: "applications is empty" });
  await fs.chmod(yamlPath, 0o640);
  await loadPortalApps({ yamlPath, portalConfig: DEFAULT });
  assert.equal((await fs.stat(yamlPath)).mode & 0o777, 0o640);
});

test("paths resolve under INSTANCE_ROOT and cannot climb out of it", () => {
  assert.equal(instancePath("/etc/portal.yaml", "/"), "/etc/portal.yaml");
  assert.equal(instancePath("/etc/portal.yaml", "/tmp/inst"), "/tmp/inst/etc/portal.yaml");
  assert.equal(instancePath("/../../etc/passwd", "/tmp/inst"), "/tmp/inst/etc/passwd");
  assert.equal(resolveInstancePaths("/r").supervisorSocket, "/r/var/run/supervisor.sock");
  assert.throws(() => instancePath("etc/x", "/"), /absolute/);
});

test("settings: token defaults and sanitising, AUTH_EXCLUDE parsing, and errors that name the key", () => {
  const s = loadSettings({
    OPEN_BUTTON_TOKEN: "ab;c\r\n",
    VAST_CONTAINERLABEL: "C.7",
    AUTH_EXCLUDE: "8384, 6006",
    VAST_TCP_PORT_1111: "40001",
    VAST_TCP_PORT_8080: "",
  });
  assert.equal(s.auth.openButtonToken, "abc");
  assert.equal(s.auth.password, "abc");
  assert.equal(s.auth.username, "vastai");
  assert.equal(s.auth.cookieName, "C.7_auth_token");
  assert.deepEqual([...s.auth.excludedPorts], [8384, 6006]);
  assert.deepEqual([...s.mappedPorts], [[1111, "40001"]]);
  const none = loadSettings({});
  assert.equal(none.auth.generated, true);
  assert.equal(none.auth.password, none.auth.openButtonToken);
  assert.equal(none.auth.cookieName, "None_auth_token");
  assert.equal(loadSettings({ ENABLE_AUTH: "no" }).auth.enabled, true);
  assert.equal(none.cors, undefined);
  assert.deepEqual(loadSettings({ CADDY_CORS_ALLOWED_ORIGINS: "*" }).cors, [
    "Access-Control-Allow-Origin",
    "*",
    "Access-Control-Allow-Methods",
    "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers",
    "Authorization, Content-Type",
  ]);
  assert.equal(loadSettings({ ENABLE_AUTH: "FALSE" }).auth.enabled, false);
  assert.throws(
    () => loadSettings({ AUTH_EXCLUDE: "8384,abc", PORTAL_APP_PORT: "x" }),
    (err: unknown) => {
      assert.ok(isPortalError(err, PortalErrorCode.settingsInvalid));
      assert.match(err.message, /→ at AUTH_EXCLUDE/);
      assert.match(err.message, /→ at PORTAL_APP_PORT/);
      return true;
    },
  );
});
