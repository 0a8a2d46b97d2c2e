/** emulator/README.md documents every endpoint key, since other engineers' fault setups name them. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ENDPOINT_KEYS } from "../../emulator/index.ts";

test("the README lists every endpoint key and no other", () => {
  const readme = readFileSync(join(import.meta.dirname, "../../emulator/README.md"), "utf8");
  const listed = [...readme.matchAll(/^\| `((?:GET|PUT|POST|DELETE) \/(?!_emulator)[^`]+)` \|/gm)].map((match) => match[1]);
  assert.deepEqual(listed, [...ENDPOINT_KEYS]);
});
