/** The portal app's launch settings: one source for instance_portal.sh and the benchmark. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { PORTAL_APP_MALLOC_ENV, PORTAL_APP_NODE_FLAGS, launchLines } from "../../portal/app-flags.ts";

const MAIN = new URL("../../portal/main.ts", import.meta.url).pathname;
const APP_FLAGS = new URL("../../portal/app-flags.ts", import.meta.url).pathname;

test("main.js portal-launch prints the malloc settings as NAME=value lines, then Node flags that Node accepts", () => {
  const lines = execFileSync(process.execPath, [MAIN, "portal-launch"], { encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(lines, launchLines());
  const env = lines.filter((l) => !l.startsWith("--"));
  const flags = lines.filter((l) => l.startsWith("--"));
  assert.deepEqual(
    env,
    Object.entries(PORTAL_APP_MALLOC_ENV).map(([k, v]) => `${k}=${v}`),
  );
  assert.deepEqual(flags, [...PORTAL_APP_NODE_FLAGS]);
  const execArgv = execFileSync(process.execPath, [...flags, "-p", "JSON.stringify(process.execArgv)"], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(execArgv), [...flags, "-p", "JSON.stringify(process.execArgv)"]);
});

test("what the portal app spawns does not inherit its malloc settings", () => {
  const script = `const { forgetLaunchEnv } = await import(${JSON.stringify(APP_FLAGS)}); forgetLaunchEnv();
const { execFileSync } = await import("node:child_process");
process.stdout.write(execFileSync("env", { encoding: "utf8" }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, ...PORTAL_APP_MALLOC_ENV, KEPT: "yes" },
  });
  assert.match(out, /^KEPT=yes$/m);
  for (const name of Object.keys(PORTAL_APP_MALLOC_ENV)) assert.doesNotMatch(out, new RegExp(`^${name}=`, "m"));
});
