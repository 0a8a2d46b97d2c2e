/**
 * Shared by the image's container tests: the docker CLI, commands inside a container, HTTP(S) to
 * published ports, supervisor's view, and the image build they all start from.
 */
import { execFile } from "node:child_process";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { promisify } from "node:util";

export const REPO = path.resolve(import.meta.dirname, "../..");
const DOCKER = "/usr/bin/docker";
/** The image under test; give each engineer's run its own tag so builds do not overwrite each other. */
export const IMAGE = process.env.VAST_KIT_TEST_IMAGE ?? "vast-kit/base:test";
export const run = promisify(execFile);

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** `bash -c script` inside the container, as root; resolves to stdout, rejects on a non-zero exit. */
export async function exec(container: string, script: string): Promise<string> {
  return docker("exec", container, "bash", "-c", script);
}

/** Fails early with the fix when no Docker engine answers. */
export async function requireDocker(): Promise<void> {
  try {
    await docker("info", "--format", "{{.ServerVersion}}");
  } catch {
    throw new Error("docker does not answer: run toolchain/docker.sh (as root) first");
  }
}

/**
 * Build IMAGE with image/build/build-image.sh (cached layers make a warm build a few seconds).
 * VAST_KIT_TEST_BUILD=0 tests an image built elsewhere (VAST_KIT_TEST_IMAGE), e.g. the variant with
 * upstream pip/GitHub components.
 */
export async function buildImage(): Promise<void> {
  if (process.env.VAST_KIT_TEST_BUILD === "0") return;
  await run(path.join(REPO, "image/build/build-image.sh"), ["-t", IMAGE], { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP(S) request to 127.0.0.1; TLS certificates are not verified (the pair is self-signed). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const u = new URL(url);
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      { method: options.method ?? "GET", headers: options.headers, rejectUnauthorized: false, agent: false, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 20 s`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** `supervisorctl status` as name → state. */
export async function supervisorStatus(container: string): Promise<Record<string, string>> {
  // supervisorctl exits 3 when a program is not running; the table is what matters.
  const out = await exec(container, "supervisorctl status || true");
  const states: Record<string, string> = {};
  for (const line of out.trim().split("\n")) {
    const [name, state] = line.trim().split(/\s+/);
    if (name !== undefined && state !== undefined) states[name] = state;
  }
  return states;
}
