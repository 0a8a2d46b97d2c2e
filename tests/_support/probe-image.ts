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
import { generateSelfSignedPair } from "../../portal/tls.ts";

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

/**
 * A stand-in for an instance's portal front on 1111: every answer a 401, over TLS with a
 * self-signed pair unless PORTAL_SCHEME=http. It listens at once with LISTEN_AT_ONCE, after
 * LISTEN_AFTER_MS milliseconds with that variable, else once /tmp/go exists in the container.
 */
const PORTAL = `
import { createServer as https } from 'node:https';
import { createServer as http } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
process.on('SIGTERM', () => process.exit(0));
const answer = (req, res) => { res.statusCode = 401; res.end('token required'); };
const listen = () => (process.env.PORTAL_SCHEME === 'http'
  ? http(answer)
  : https({ key: readFileSync('/probe/key.pem'), cert: readFileSync('/probe/cert.pem') }, answer)).listen(1111);
if (process.env.LISTEN_AT_ONCE) listen();
else if (process.env.LISTEN_AFTER_MS) setTimeout(listen, Number(process.env.LISTEN_AFTER_MS));
else { const timer = setInterval(() => { if (existsSync('/tmp/go')) { clearInterval(timer); listen(); } }, 100); }
`;

/** Builds and pushes the portal stand-in (see PORTAL); returns its digest-pinned ref. */
export async function buildPortalProbeImage(): Promise<string> {
  const { cert, key } = await generateSelfSignedPair({ commonName: "instance", days: 2 });
  return buildProbeImage(`${REGISTRY}/vast-kit/portal-wait-probe`, PORTAL, { "cert.pem": cert, "key.pem": key });
}
