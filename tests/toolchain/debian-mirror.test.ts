/**
 * toolchain/debian-mirror.sh: the mirror debootstrap uses is the first `bookworm` `main` source of
 * apt's own configuration, in either format, and deb.debian.org only when there is none.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = resolve(import.meta.dirname, "../../toolchain/debian-mirror.sh");

const cases: Array<{ title: string; files: Record<string, string>; mirror: string }> = [
  {
    title: "takes a one-line source with options, skipping deb-src and other suites",
    files: {
      "sources.list": [
        "# deb http://commented/debian bookworm main",
        "deb-src http://src/debian bookworm main",
        "deb http://deb.debian.org/debian-security bookworm-security main",
        "deb [arch=amd64 signed-by=/usr/share/keyrings/debian.gpg] http://mirror.lan:3142/debian bookworm main contrib",
      ].join("\n"),
    },
    mirror: "http://mirror.lan:3142/debian",
  },
  {
    title: "takes a deb822 paragraph that is enabled and lists bookworm and main, also on continuation lines",
    files: {
      "debian.sources": [
        "Types: deb",
        "URIs: http://deb.debian.org/debian-security",
        "Suites: bookworm-security",
        "Components: main",
        "",
        "Types: deb",
        "Enabled: no",
        "URIs: http://disabled/debian",
        "Suites: bookworm",
        "Components: main",
        "",
        "Types: deb deb-src",
        "# a comment between fields",
        "URIs: mirror+file:/etc/apt/mirrors.txt",
        " https://proxy.lan/debian",
        "Suites: bookworm bookworm-updates",
        "Components: contrib",
        " main",
      ].join("\n"),
    },
    mirror: "https://proxy.lan/debian",
  },
  {
    title: "reads the files in the order given and stops at the first match",
    files: {
      "a.list": "deb http://other/ubuntu jammy main\n",
      "b.sources": "Types: deb\nURIs: http://second/debian\nSuites: bookworm\nComponents: main\n",
      "c.list": "deb http://third/debian bookworm main\n",
    },
    mirror: "http://second/debian",
  },
  {
    title: "falls back to deb.debian.org when no source serves bookworm main",
    files: { "ubuntu.list": "deb http://archive.ubuntu.com/ubuntu jammy main\n", "missing.sources": "" },
    mirror: "http://deb.debian.org/debian",
  },
];

for (const { title, files, mirror } of cases) {
  test(title, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "vast-kit-apt-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const paths = [];
    for (const [name, text] of Object.entries(files)) {
      paths.push(join(dir, name));
      if (text !== "") await writeFile(join(dir, name), text);
    }
    const { stdout } = await run("bash", [script, ...paths]);
    assert.equal(stdout, `${mirror}\n`);
  });
}

test("reads this machine's apt sources when given no files", async () => {
  const { stdout } = await run("bash", [script]);
  assert.match(stdout, /^(https?|file):\/\/\S+\n$/);
});
