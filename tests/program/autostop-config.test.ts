/** The stack's autostop settings (config.ts, Pulumi.yaml): off by default, checked by the same schema as every key. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { parseStackConfig } from "../../config.ts";

const projectFile = parse(await readFile(join(import.meta.dirname, "../../Pulumi.yaml"), "utf8")) as {
  config: Record<string, { default: unknown }>;
};
const defaults = Object.fromEntries(
  Object.entries(projectFile.config).map(([key, { default: value }]) => [`vast-kit:${key}`, String(value)]),
);

test("autostop is off unless vast-kit:autostopIdleMinutes is set, and stops by default", () => {
  const off = parseStackConfig("vast-kit", defaults);
  assert.ok("config" in off, JSON.stringify(off));
  assert.equal(off.config.autostopIdleMinutes, undefined);
  assert.equal(off.config.autostopAction, "stop");
  const on = parseStackConfig("vast-kit", { ...defaults, "vast-kit:autostopIdleMinutes": "45", "vast-kit:autostopAction": "destroy" });
  assert.ok("config" in on, JSON.stringify(on));
  assert.deepEqual([on.config.autostopIdleMinutes, on.config.autostopAction], [45, "destroy"]);
});

test("a bad autostop setting names the key and the rule", () => {
  for (const [key, value, rule] of [
    ["autostopIdleMinutes", "soon", /must be empty \(no autostop\) or a whole number of idle minutes/],
    ["autostopIdleMinutes", "0", /must be at least 1 idle minute, or empty for no autostop/],
    ["autostopIdleMinutes", "20000", /must be at most 10080/],
    ["autostopAction", "pause", /must be "stop" or "destroy"/],
  ] as const) {
    const result = parseStackConfig("vast-kit", { ...defaults, [`vast-kit:${key}`]: value });
    assert.ok("problems" in result, `${key}=${value}`);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!, new RegExp(`^vast-kit:${key}: ${rule.source}`));
  }
});
