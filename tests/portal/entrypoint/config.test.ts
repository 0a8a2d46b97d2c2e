/** The entrypoint's settings: one strict schema, reported with zod's prettifyError, bad keys defaulted at boot. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isPortalError } from "../../../portal/index.ts";
import { readBootSettings, settleBootSettings } from "../../../portal/entrypoint/config.ts";

test("a bad value throws ENTRYPOINT_CONFIG_INVALID naming every bad key", () => {
  assert.throws(
    () => readBootSettings({ BOOT_STEP_TIMEOUT_SECONDS: "soon", SHUTDOWN_GRACE_SECONDS: "-1" }),
    (err: unknown) => {
      assert.ok(isPortalError(err, "ENTRYPOINT_CONFIG_INVALID"));
      assert.match(err.message, /^invalid entrypoint environment:\n/);
      assert.match(err.message, /must be a number of seconds, got "soon"\n {2}→ at BOOT_STEP_TIMEOUT_SECONDS/);
      assert.match(err.message, /→ at SHUTDOWN_GRACE_SECONDS/);
      assert.deepEqual(err.details.keys, ["BOOT_STEP_TIMEOUT_SECONDS", "SHUTDOWN_GRACE_SECONDS"]);
      return true;
    },
  );
});

test("at boot a bad key is reported, dropped from the working environment and defaulted", () => {
  const env: Record<string, string> = { BOOT_STEP_TIMEOUT_SECONDS: "soon", WORKSPACE: "/data" };
  const reports: string[] = [];
  const settings = settleBootSettings(env, (message) => reports.push(message));
  assert.equal(settings.stepTimeoutMs, 120_000);
  assert.equal(settings.workspace, "/data");
  assert.deepEqual(env, { WORKSPACE: "/data" });
  assert.equal(reports.length, 1);
  assert.match(reports[0] ?? "", /→ at BOOT_STEP_TIMEOUT_SECONDS\nusing defaults for those keys$/);
});
