/** The one child stopper: SIGTERM, then SIGKILL after the grace. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { stopChild } from "../../portal/stop-child.ts";

/** A Node child that prints "ready" once its SIGTERM handler is installed. */
async function child(t: import("node:test").TestContext, onTerm: string) {
  const c = spawn(
    process.execPath,
    ["-e", `process.on('SIGTERM', () => { ${onTerm} }); console.log('ready'); setInterval(() => {}, 1000);`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => c.kill("SIGKILL"));
  await once(c.stdout, "data");
  return c;
}

test("a child that exits on SIGTERM is stopped by it", async (t) => {
  const c = await child(t, "process.exit(0)");
  await stopChild(c, 5_000);
  assert.equal(c.exitCode, 0);
});

test("a child that ignores SIGTERM is killed after the grace", async (t) => {
  const c = await child(t, "");
  const started = Date.now();
  await stopChild(c, 200);
  assert.equal(c.signalCode, "SIGKILL");
  assert.ok(Date.now() - started >= 150);
});

test("a child that has already exited resolves at once", async (t) => {
  const c = await child(t, "process.exit(0)");
  c.kill("SIGTERM");
  await once(c, "exit");
  await stopChild(c);
  assert.equal(c.exitCode, 0);
});
