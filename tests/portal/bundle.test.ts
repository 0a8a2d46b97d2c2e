/**
 * The image's bundle of the portal (`image/build/bundle.ts`): the properties
 * its memory figures depend on, checked on a fresh build.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { launchLines } from "../../portal/app-flags.ts";

const BUNDLE_SCRIPT = new URL("../../image/build/bundle.ts", import.meta.url).pathname;

// One build for every test here: building takes about half a second.
const dir = await fs.mkdtemp(path.join(os.tmpdir(), "portal-bundle-"));
after(() => fs.rm(dir, { recursive: true, force: true }));
execFileSync(process.execPath, [BUNDLE_SCRIPT, dir], { stdio: ["ignore", "ignore", "inherit"] });
// As in the image: the pages and assets beside main.js.
await fs.cp(new URL("../../portal/static", import.meta.url), path.join(dir, "static"), { recursive: true });
const files = new Map<string, string>();
for (const name of await fs.readdir(dir)) if (name.endsWith(".js")) files.set(name, await fs.readFile(path.join(dir, name), "latin1"));

test("the bundle is ASCII, without comments, and loads Node's built-ins through require", () => {
  assert.ok(files.has("main.js") && files.size > 3, `expected main.js and its chunks, got ${[...files.keys()].join(", ")}`);
  for (const [name, text] of files) {
    // One character outside Latin-1 makes V8 keep the whole source two bytes per character.
    const wide = /[^\x00-\x7f]/.exec(text);
    assert.equal(wide, null, `${name} has a non-ASCII character at ${wide?.index}`);
    assert.doesNotMatch(text, /\/\*\*\s/, `${name} keeps doc comments`);
    // The banner's node:module is the only built-in imported as ESM; any other builds a namespace of every export.
    const esmBuiltins = [...text.matchAll(/\bfrom\s*["'](node:[\w/]+)["']/g)].map((m) => m[1]).filter((m) => m !== "node:module");
    assert.deepEqual(esmBuiltins, [], `${name} imports built-ins as ESM`);
  }
  assert.match([...files.values()].join("\n"), /require\("node:http"\)/);
  // And it still runs.
  const out = execFileSync(process.execPath, [path.join(dir, "main.js"), "portal-launch"], { encoding: "utf8" });
  assert.deepEqual(out.trim().split("\n"), launchLines());
});

test("the bundled front process does not load Node's undici", async () => {
  // `main.js front` without the portal's IPC channel loads everything the front
  // process imports, then exits; the probe reports what Node had loaded by then.
  const probe = path.join(dir, "probe.js");
  await fs.writeFile(
    probe,
    `const exit = process.exit.bind(process);
process.exit = () => {
  process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici") || m.includes("http"))));
  exit(0);
};
await import("./main.js");
`,
  );
  const loaded = JSON.parse(execFileSync(process.execPath, [probe, "front"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  assert.ok(loaded.includes("NativeModule http"), `the probe saw the front's imports: ${JSON.stringify(loaded)}`);
  assert.deepEqual(
    loaded.filter((m: string) => m.includes("undici")),
    [],
  );
});
