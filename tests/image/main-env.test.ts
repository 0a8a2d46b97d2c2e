/**
 * The image's main Python environment, /venv/main (image/build/main-env.sh, issue 11).
 *
 * The offline default is a plain venv: in the built image its `bin/activate` works, and pip and uv
 * install into it. Miniforge sits behind `PYTHON_ENV=miniforge`, pinned by version and a sha256 per
 * architecture like cloudflared. Its download (github.com, conda-forge) is not reachable here, so the
 * Miniforge path runs outside the image against a local server serving a stand-in installer with
 * the real installer's interface (`-b -p PREFIX`): this proves the pinning (a file whose sha256
 * differs is refused and nothing is installed), the steps main-env.sh takes, the activate it writes
 * and the record of the URL and sha256. It does not prove that the real installer or conda behave
 * as the stand-in does.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { listenOn } from "../_support/net.ts";
import { IMAGE, buildImage, docker, requireDocker } from "./_container.ts";

const run = promisify(execFile);
const script = resolve(import.meta.dirname, "../../image/build/main-env.sh");
const dockerfile = resolve(import.meta.dirname, "../../image/Dockerfile");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Stands in for Miniforge3-<version>-Linux-<machine>.sh: `-b -p PREFIX` lays out bin/conda,
 * condabin/conda and etc/profile.d/conda.sh. Its conda logs each call and makes `create -p P` a
 * venv; its shell function `conda activate P` does what conda's does to PATH and CONDA_PREFIX.
 */
const STAND_IN_INSTALLER = String.raw`#!/usr/bin/env bash
set -euo pipefail
[ "$1" = -b ] && [ "$2" = -p ] || { echo "usage: -b -p PREFIX" >&2; exit 2; }
prefix=$3
mkdir -p "$prefix/bin" "$prefix/condabin" "$prefix/etc/profile.d"
cat >"$prefix/bin/conda" <<CONDA
#!/usr/bin/env bash
echo "\$*" >>"$prefix/conda.log"
if [ "\$1" = create ]; then python3 -m venv "\$4"; fi
CONDA
chmod +x "$prefix/bin/conda"
cp "$prefix/bin/conda" "$prefix/condabin/conda"
cat >"$prefix/etc/profile.d/conda.sh" <<CONDASH
conda() { if [ "\$1" = activate ]; then export CONDA_PREFIX="\$2" CONDA_SHLVL=1 PATH="\$2/bin:$prefix/condabin:\$PATH"; fi; }
CONDASH
`;

/** Makes a one-module wheel in the container (no package index is reachable from it). */
const MAKE_WHEEL = String.raw`wheel() { python - "$1" <<'PY'
import sys, zipfile
name = sys.argv[1]
with zipfile.ZipFile(f"/tmp/{name}-1.0-py3-none-any.whl", "w") as z:
    z.writestr(f"{name}.py", f"WHO = '{name}'\n")
    info = f"{name}-1.0.dist-info"
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(f"{info}/RECORD", "")
PY
}`;

test("the Dockerfile pins Miniforge by version and a sha256 per architecture, with the plain venv as the default", async () => {
  const text = await readFile(dockerfile, "utf8");
  const arg = (name: string) => new RegExp(`^ARG ${name}=(.*)$`, "m").exec(text)?.[1];
  assert.equal(arg("PYTHON_ENV"), "venv");
  assert.match(arg("MINIFORGE_VERSION") ?? "", /^\d+\.\d+\.\d+-\d+$/);
  assert.match(arg("MINIFORGE_SHA256_AMD64") ?? "", /^[0-9a-f]{64}$/);
  assert.match(arg("MINIFORGE_SHA256_ARM64") ?? "", /^[0-9a-f]{64}$/);
  assert.notEqual(arg("MINIFORGE_SHA256_AMD64"), arg("MINIFORGE_SHA256_ARM64"));
});

test("PYTHON_ENV=miniforge installs only the installer whose sha256 is pinned, and /venv/main/bin/activate activates its env with conda on PATH", async (t) => {
  const server = createServer((req, res) => (req.url === "/Miniforge3-Linux.sh" ? res.end(STAND_IN_INSTALLER) : res.writeHead(404).end()));
  const port = await listenOn(server);
  t.after(() => server.close());
  const dir = await mkdtemp(join(tmpdir(), "main-env-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}/Miniforge3-Linux.sh`;
  const paths = { MAIN_ENV: join(dir, "venv/main"), MINIFORGE_PREFIX: join(dir, "miniforge3"), BIN_DIR: join(dir, "bin") };
  const mainEnv = (pinned: string, args: string[] = []) =>
    run("bash", [script, ...args], {
      env: {
        ...process.env,
        ...paths,
        PYTHON_ENV: "miniforge",
        MINIFORGE_URL: url,
        MINIFORGE_VERSION: "25.3.1-0",
        MINIFORGE_SHA256_AMD64: pinned,
        MINIFORGE_SHA256_ARM64: pinned,
        PYTHON_VERSION: "3.12",
      },
    });

  await assert.rejects(mainEnv(sha256("another installer")), /FAILED/);
  await assert.rejects(stat(paths.MINIFORGE_PREFIX), { code: "ENOENT" }, "nothing is installed from a file that does not match");
  await assert.rejects(mainEnv(sha256(STAND_IN_INSTALLER), ["--system-site-packages"]), /needs JUPYTER_SOURCE=pip/);

  await mainEnv(sha256(STAND_IN_INSTALLER));
  assert.equal(
    await readFile(join(paths.MAIN_ENV, ".vast-kit-main-env"), "utf8"),
    `kind=miniforge\nversion=25.3.1-0\nurl=${url}\nsha256=${sha256(STAND_IN_INSTALLER)}\n`,
  );
  assert.deepEqual((await readFile(join(paths.MINIFORGE_PREFIX, "conda.log"), "utf8")).trim().split("\n"), [
    "config --system --set auto_activate_base false",
    `create -y -p ${paths.MAIN_ENV} python=3.12 pip`,
    "clean -afy",
  ]);
  assert.equal(await readlink(join(paths.BIN_DIR, "conda")), join(paths.MINIFORGE_PREFIX, "condabin/conda"));
  const { stdout } = await run("bash", [
    "-c",
    `. "${paths.MAIN_ENV}/bin/activate" && command -v python && type -P conda && echo "$CONDA_PREFIX"`,
  ]);
  assert.deepEqual(stdout.trim().split("\n"), [
    `Activated conda/uv virtual environment at ${paths.MAIN_ENV}`,
    join(paths.MAIN_ENV, "bin/python"),
    join(paths.MINIFORGE_PREFIX, "condabin/conda"),
    paths.MAIN_ENV,
  ]);
});

test("an unknown PYTHON_ENV stops the build step", async () => {
  await assert.rejects(
    run("bash", [script], { env: { ...process.env, PYTHON_ENV: "pixi" } }),
    /PYTHON_ENV must be venv or miniforge, not pixi/,
  );
});

test(
  "in the image built offline, /venv/main is the plain venv: activate works, pip and uv install into it, no conda",
  { timeout: 20 * 60_000 },
  async () => {
    await requireDocker();
    await buildImage();
    const out = await docker(
      "run",
      "--rm",
      "--entrypoint",
      "bash",
      IMAGE,
      "-c",
      `set -e
. /venv/main/bin/activate
command -v python
cat /venv/main/.vast-kit-main-env
${MAKE_WHEEL}
wheel viapip && wheel viauv
pip install --no-index -q /tmp/viapip-1.0-py3-none-any.whl
uv pip install --offline -q /tmp/viauv-1.0-py3-none-any.whl
python -c 'import viapip, viauv, sys; print(viapip.WHO, viauv.WHO, sys.prefix)'
command -v conda || echo "no conda"`,
    );
    const lines = out.trim().split("\n");
    assert.equal(lines[0], "/venv/main/bin/python");
    assert.equal(lines[1], "kind=venv");
    assert.match(lines[2] ?? "", /^python=3\.\d+\.\d+$/);
    assert.equal(lines.at(-2), "viapip viauv /venv/main");
    assert.equal(lines.at(-1), "no conda");
  },
);
