/**
 * The program's config schema (config.ts), table-driven: every key's rule in its message, typos
 * caught with a suggestion, and the Pulumi.yaml defaults as the one source of default values.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { parseStackConfig } from "../../config.ts";

const projectFile = parse(await readFile(join(import.meta.dirname, "../../Pulumi.yaml"), "utf8")) as {
  name: string;
  config: Record<string, { default: unknown }>;
};
/** What the engine passes when nothing is set: Pulumi.yaml's defaults, as strings. */
const defaults = Object.fromEntries(
  Object.entries(projectFile.config).map(([key, { default: value }]) => [`vast-kit:${key}`, String(value)]),
);

function problemsOf(overrides: Record<string, string>): string[] {
  const result = parseStackConfig("vast-kit", { ...defaults, ...overrides });
  return "problems" in result ? result.problems : [];
}

test("Pulumi.yaml's defaults alone make a valid local configuration", () => {
  const result = parseStackConfig("vast-kit", { ...defaults, "vast:apiUrl": "http://127.0.0.1:1" });
  assert.ok("config" in result, JSON.stringify(result));
  assert.equal(result.config.instanceCount, 1);
  assert.equal(result.config.maxPricePerHour, 1.5);
  assert.equal(result.config.imageOffline, true);
  assert.deepEqual(result.config.imageVariants, ["cuda"]);
  assert.equal(result.config.budgetPerHour, undefined, "no budget unless one is set");
  assert.equal(result.config.whenStopped, undefined, "the fleet decides: leave with autostop, else start");
  assert.equal(result.config.whenDestroyed, "recreate");
});

test("a key that is not one of ours is an error with a suggestion; other namespaces are left alone", () => {
  assert.deepEqual(problemsOf({ "vast-kit:instanceCont": "2", "vast:apiKey": "k", "cloudflare:apiToken": "t" }), [
    "vast-kit:instanceCont: is not a setting of this project; did you mean instanceCount?",
  ]);
  assert.deepEqual(problemsOf({ "vast-kit:colour": "red" }), [
    "vast-kit:colour: is not a setting of this project; the keys are listed in Pulumi.yaml",
  ]);
});

test("each bad value is named with the rule it breaks, all at once", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["maxPricePerHour", "0", /more than 0 dollars per hour/],
    ["maxPricePerHour", "cheap", /a price in dollars per hour, written as a decimal number such as 1\.50/],
    ["maxPricePerHour", "500", /at most 128 dollars per hour/],
    ["instanceCount", "-1", /whole number of instances from 0 \(the template alone\) to 100/],
    ["instanceCount", "101", /from 0 \(the template alone\) to 100/],
    ["diskGb", "4", /at least 8 \(Vast's minimum\)/],
    ["numGpus", "1.5", /whole number of GPUs per instance from 1 to 16/],
    ["imageOffline", "yes", /be true or false/],
    ["imageVariants", "cuda,metal", /list variants from cuda and rocm/],
    ["imageRepository", "ghcr.io/acme/base:latest", /without a tag/],
    ["instanceLabelPrefix", "x".repeat(91), /at most 90 characters/],
    ["budgetPerHour", "lots", /be empty \(no cap\) or the most the stack's instances may cost together/],
    ["budgetPerHour", "0", /more than 0 dollars per hour, or empty for no cap/],
    ["whenStopped", "restart", /be start \(start an instance found stopped on the next up\), leave \(keep it stopped\), or empty/],
    ["whenDestroyed", "rent", /be recreate \(rent a new instance for one found destroyed\) or leave/],
  ];
  for (const [key, value, rule] of cases) {
    const problems = problemsOf({ [`vast-kit:${key}`]: value });
    assert.equal(problems.length, 1, `${key}=${value}: ${problems.join("; ")}`);
    assert.match(problems[0]!, new RegExp(`^vast-kit:${key}: must .*${rule.source}`));
  }
  assert.equal(problemsOf({ "vast-kit:diskGb": "4", "vast-kit:numGpus": "0", "vast-kit:tunnelDomain": "x.example" }).length, 3);
});
