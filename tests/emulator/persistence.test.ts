/**
 * State on disk (--state / statePath): a stack can still be read and destroyed after the emulator
 * restarts. Also the command-line entry: the exact ready line, the flags, a clean exit on SIGTERM,
 * and no API key in any log line.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { once } from "node:events";
import { startEmulator } from "../../emulator/index.ts";
import { API_KEY, FAST_TIMINGS, call, cheapestOffer, rent, showInstance, waitForStatus } from "./_utils.ts";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "vast-emulator-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("instances, templates, keys, secrets, rented offers and id counters survive a restart on the state file", async (t) => {
  const statePath = join(tempDir(t), "state.sqlite");
  const first = await startEmulator({ apiKey: API_KEY, statePath, timings: FAST_TIMINGS, rateLimits: false });
  const template = (await call(first, "POST", "/api/v0/template/", { body: { name: "persist", image: "img" } })).body.template;
  await call(first, "POST", "/api/v0/ssh/", { body: { ssh_key: "ssh-ed25519 AAAA persist@host" } });
  await call(first, "POST", "/api/v0/secrets/", { body: { key: "TOKEN", value: "abc" } });
  const offer = await cheapestOffer(first);
  const id = await rent(first, offer.id, { label: "survivor" });
  await waitForStatus(first, id, "running");
  const stopped = await rent(first, (await cheapestOffer(first)).id, { label: "stopping" });
  await call(first, "PUT", `/api/v0/instances/${stopped}/`, { body: { state: "stopped" } });
  await first.close();

  const second = await startEmulator({ apiKey: API_KEY, statePath, timings: FAST_TIMINGS, rateLimits: false });
  t.after(() => second.close());
  const survivor = await showInstance(second, id);
  assert.deepEqual([survivor.label, survivor.actual_status, survivor.intended_status], ["survivor", "running", "running"]);
  // The stop was under way at close; its timeline finishes across the restart.
  await waitForStatus(second, stopped, "exited");
  assert.equal(
    (await call(second, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img" } })).status,
    410,
    "the offer is still rented",
  );
  assert.equal(
    (await call(second, "GET", `/api/v0/template/?select_filters=${encodeURIComponent('{"name": {"eq": "persist"}}')}`)).body.templates[0]
      .hash_id,
    template.hash_id,
  );
  assert.equal((await call(second, "GET", "/api/v0/ssh/")).body.length, 1);
  assert.deepEqual((await call(second, "GET", "/api/v0/secrets/")).body.secrets, { TOKEN: "*****" });
  const newer = await rent(second, (await cheapestOffer(second)).id);
  assert.ok(newer > stopped, "ids keep counting up");

  assert.deepEqual((await call(second, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).body, { success: true });
  assert.deepEqual((await call(second, "GET", `/api/v0/instances/${id}/`)).body, { instances: null });
  assert.equal((await cheapestOffer(second, { ask_contract_id: { eq: offer.id } })).id, offer.id, "destroy released the offer");
});

test("a state file from another schema version is refused with a clear error", async (t) => {
  const statePath = join(tempDir(t), "old.sqlite");
  const db = new DatabaseSync(statePath);
  db.exec("PRAGMA user_version = 99");
  db.close();
  await assert.rejects(startEmulator({ apiKey: API_KEY, statePath }), { code: "EMU_STATE_VERSION", message: /schema version 99/ });
});

test("bad options are refused with the dotted path of each issue", async () => {
  await assert.rejects(startEmulator({ apiKey: "", timings: { loadingMs: -5 } }), (error: Error & { code?: string; paths?: string[] }) => {
    assert.equal(error.code, "EMU_INVALID_OPTIONS");
    assert.deepEqual(error.paths, ["apiKey", "timings.loadingMs"]);
    return true;
  });
});

/** Spawns `node emulator/cli.ts` and resolves its URL from the ready line. */
async function spawnCli(
  t: { after: (fn: () => void) => void },
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ["emulator/cli.ts", ...args], {
    cwd: join(import.meta.dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 10 s; stderr: ${stderr}`)), 10_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n")[0] ?? "";
      if (stdout.includes("\n")) {
        clearTimeout(timer);
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (match?.[1]) resolve(match[1]);
        else reject(new Error(`unexpected first line: ${JSON.stringify(line)}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before ready; stderr: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

test(
  "npm run emulator: prints the ready line, takes --timings/--latency/--state, exits 0 on SIGTERM, keeps state",
  { timeout: 30_000 },
  async (t) => {
    const statePath = join(tempDir(t), "nested", "cli.sqlite");
    const args = [
      "--port",
      "0",
      "--api-key",
      API_KEY,
      "--state",
      statePath,
      "--timings",
      "scheduling=20,loading=40,stopping=20",
      "--latency",
      "5",
    ];
    const first = await spawnCli(t, args);
    const emulator = { url: first.url };
    const id = await rent(emulator, (await cheapestOffer(emulator)).id, { label: "from-cli" });
    await waitForStatus(emulator, id, "running", 2000);
    first.child.kill("SIGTERM");
    const [code] = await once(first.child, "exit");
    assert.equal(code, 0);
    assert.match(first.stderr(), /PUT \/api\/v0\/asks\/:id 200/);
    assert.ok(!first.stderr().includes(API_KEY), "the key is never logged");

    const second = await spawnCli(t, args);
    assert.equal((await showInstance({ url: second.url }, id)).label, "from-cli");
    assert.deepEqual((await call({ url: second.url }, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).body, { success: true });
    second.child.kill("SIGINT");
    assert.deepEqual(await once(second.child, "exit"), [0, null]);
  },
);

test("the command line refuses a missing key and malformed flags", { timeout: 15_000 }, async () => {
  for (const args of [
    ["--port", "0"],
    ["--api-key", "k", "--timings", "loading=soon"],
    ["--api-key", "k", "--latency", "-3"],
  ]) {
    const child = spawn(process.execPath, ["emulator/cli.ts", ...args], {
      cwd: join(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, "exit");
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, /^emulator: /);
  }
});
