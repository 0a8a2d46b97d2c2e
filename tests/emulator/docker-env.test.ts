/**
 * The docker-flag rules of vast-api.md §3.2.1–§3.2.2, table-driven: the CLI's env string parser
 * and runtype normalisation, as the emulator applies them to string env and runtype tokens.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { normaliseRuntype, parseEnvString, templateRuntype } from "../../emulator/docker-env.ts";

test("parses the §3.2.1 example exactly as the CLI sends it", () => {
  assert.deepEqual(parseEnvString(`-e TZ=UTC -e GREETING="hello world" -p 8080:8080 -p 8081:8081/udp -h myhost`), {
    TZ: "UTC",
    GREETING: "hello world",
    "-p 8080:8080": "1",
    "-p 8081:8081/udp": "1",
    "-h": "myhost",
  });
});

const ENV_CASES: Array<[string, Record<string, string>]> = [
  ["-e A='single quoted' -e B=x=y", { A: "single quoted", B: "x=y" }],
  ["-p 80:80/tcp -p bad$port -p 9000", { "-p 80:80/tcp": "1", "-p 9000": "1" }],
  ["-v /data:/data -v bad|vol -n my-net -n Bad_Name", { "-v /data:/data": "1", "-n my-net": "1" }],
  ["stray tokens -e", {}],
  ["-e NOEQUALS -e =nokey", {}],
];

for (const [input, expected] of ENV_CASES) {
  test(`env string ${JSON.stringify(input)} drops what the CLI drops`, () => {
    assert.deepEqual(parseEnvString(input), expected);
  });
}

const RUNTYPE_CASES: Array<[string, string]> = [
  ["ssh", "ssh"],
  ["ssh_proxy", "ssh ssh_proxy"],
  ["ssh_direc ssh_proxy", "ssh ssh_direc ssh_proxy"],
  ["ssh_direct", "ssh ssh_direc"],
  ["jupyter_proxy ssh_proxy", "jupyter jupyter_proxy ssh_proxy"],
  ["jupyter_direc ssh_direc ssh_proxy", "jupyter jupyter_direc ssh_direc ssh_proxy"],
  ["args", "args"],
];

for (const [input, expected] of RUNTYPE_CASES) {
  test(`runtype ${JSON.stringify(input)} is stored as ${JSON.stringify(expected)}`, () => {
    assert.equal(normaliseRuntype(input, 1), expected);
  });
}

test("refuses unknown runtype tokens and jupyter with args", () => {
  assert.throws(() => normaliseRuntype("ssh vnc", 7), {
    status: 400,
    body: { success: false, error: "invalid_args", msg: "error 400/3467: Invalid args: unknown runtype vnc", ask_id: 7 },
  });
  assert.throws(() => normaliseRuntype("jupyter args", 7), { status: 400 });
});

test("template runtype words and direct flags map to the CLI tokens", () => {
  assert.equal(templateRuntype("ssh", true, false), "ssh_direc ssh_proxy");
  assert.equal(templateRuntype("jupyter", false, false), "jupyter_proxy ssh_proxy");
  assert.equal(templateRuntype("args", true, true), "args");
});
