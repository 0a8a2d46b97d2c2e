/**
 * The whole tree keeps the one formatter configuration (.prettierrc.json): code that `npm run
 * format` would change fails here, with the files named.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../..");

test("every TypeScript, JavaScript and CSS file is formatted as prettier formats it", { timeout: 120_000 }, async () => {
  const prettier = resolve(repoRoot, "node_modules/.bin/prettier");
  const result = await run(prettier, ["--check", "--log-level", "warn", "."], { cwd: repoRoot }).then(
    () => "",
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}${error.stderr ?? ""}`,
  );
  assert.equal(result, "", `run \`npm run format\`:\n${result}`);
});
