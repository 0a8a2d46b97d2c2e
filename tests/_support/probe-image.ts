/**
 * A tiny instance image for Docker-mode tests: the Debian stand-in base plus the Node binary
 * running the tests and a script of the test's own, built and pushed to the local registry, so an
 * emulated instance runs exactly what the test needs without building the kit's base image.
 * Needs `bash toolchain/docker.sh` and `bash toolchain/registry.sh`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** Debian's Docker client (BuildKit built in). */
export const DOCKER = "/usr/bin/docker";
/** The local registry toolchain/registry.sh runs. */
export const REGISTRY = "127.0.0.1:5000";
/** The local stand-in base that toolchain/docker.sh imports. */
export const BASE_IMAGE = "vast-kit/debian-base:bookworm";

/** Runs the Docker client; resolves with its trimmed stdout. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(DOCKER, args, {
    env: { ...process.env, DOCKER_BUILDKIT: "1" },
    maxBuffer: 16 << 20,
    timeout: 120_000,
  });
  return stdout.trim();
}

/**
 * Builds `repository:test` from the base, Node at `/usr/local/bin/node`, `script` at `/probe.mjs`
 * (the entrypoint) and `files` under `/probe/`, pushes it, and returns the digest-pinned ref.
 */
export async function buildProbeImage(repository: string, script: string, files: Record<string, string> = {}): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), "vast-kit-probe-"));
  try {
    await copyFile(process.execPath, join(context, "node"));
    await writeFile(join(context, "probe.mjs"), script);
    await mkdir(join(context, "probe"));
    for (const [name, content] of Object.entries(files)) await writeFile(join(context, "probe", name), content);
    await writeFile(
      join(context, "Dockerfile"),
      `FROM ${BASE_IMAGE}\nCOPY node /usr/local/bin/node\nCOPY probe.mjs /probe.mjs\nCOPY probe /probe\nENTRYPOINT ["/usr/local/bin/node", "/probe.mjs"]\n`,
    );
    await docker("build", "-q", "-t", `${repository}:test`, context);
    const pushed = await docker("push", `${repository}:test`);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    assert.ok(digest, `no digest in the push output: ${pushed}`);
    return `${repository}@${digest}`;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
