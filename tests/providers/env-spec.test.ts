import assert from "node:assert/strict";
import { test } from "node:test";
import { envProblems, toInstanceEnv, toTemplateEnvString } from "../../providers/vast/env-spec.ts";

test("instance env carries variables and -p keys the way the CLI sends them (vast-api.md §3.2.1)", () => {
  assert.deepEqual(toInstanceEnv({ TZ: "UTC" }, ["8080", "8081/udp", "22/tcp"]), {
    TZ: "UTC",
    "-p 8080:8080": "1",
    "-p 8081:8081/udp": "1",
    "-p 22:22": "1",
  });
});

test("template env string quotes values with spaces or pipes so the CLI parser keeps them whole", () => {
  const portal = "localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter";
  assert.equal(
    toTemplateEnvString({ A: "1", PORTAL_CONFIG: portal, EMPTY: "" }, ["1111"]),
    `-e A=1 -e PORTAL_CONFIG="${portal}" -e EMPTY="" -p 1111:1111`,
  );
});

for (const [env, ports, forTemplate, expected] of [
  [{ "1BAD": "x" }, [], false, /not a valid variable name/],
  [{ OK: "x".repeat(300) }, [], false, /256-character/],
  [{ Q: 'say "hi"' }, [], true, /double quote/],
  [{}, ["80:80"], false, /must look like 8080/],
  [{}, ["70000"], false, /must look like 8080/],
] as const) {
  test(`rejects ${JSON.stringify(env).slice(0, 30)} ${JSON.stringify(ports)} with a message naming the entry`, () => {
    const problems = envProblems(env as Record<string, string>, ports, forTemplate);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, expected);
  });
}

test("accepts a valid env and port list", () => {
  assert.deepEqual(envProblems({ HF_HOME: "/workspace/hf" }, ["1111", "8384/tcp", "5000/udp"], true), []);
});
