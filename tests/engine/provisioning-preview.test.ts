/**
 * The engine stops a fleet with an invalid provisioning manifest at `pulumi preview`, naming the
 * field, before the Vast API is asked anything: the real Pulumi CLI and Node.js language host run a
 * two-line program (in the repository's gitignored tmp/, so it resolves the repository's packages)
 * with a throwaway file backend, the Vast API URL pointing at a loopback server that counts requests.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { listenOn } from "../_support/net.ts";
import { fileBackendEnv, repoRoot } from "../_support/pulumi.ts";

const run = promisify(execFile);

const PROGRAM = `import { GpuFleet, defaultPortalApps } from "${join(repoRoot, "components/index.ts")}";

new GpuFleet("train", {
  image: "127.0.0.1:5000/vast-kit/base@sha256:${"ab".repeat(32)}",
  apps: defaultPortalApps,
  instanceCount: 2,
  offer: { filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 1 },
  provisioning: { version: 1, downloads: [{ url: "s3://bucket/model.bin", dest: "/workspace/models/" }] },
});
`;

test("pulumi preview of a fleet with an invalid manifest fails naming the field, and the Vast API is never called", async (t) => {
  const requests: string[] = [];
  const api = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  const port = await listenOn(api);
  t.after(() => new Promise((resolve) => api.close(resolve)));
  await mkdir(join(repoRoot, "tmp"), { recursive: true });
  const dir = await mkdtemp(join(repoRoot, "tmp/provisioning-preview-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, "Pulumi.yaml"),
    "name: provisioning-preview\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n",
  );
  await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(dir, "index.ts"), PROGRAM);
  const env = fileBackendEnv(join(dir, "state"), "preview-passphrase");
  await mkdir(join(dir, "state"));
  const pulumi = (...args: string[]) => run("pulumi", [...args, "--non-interactive", "--cwd", dir], { env, maxBuffer: 16 << 20 });
  await pulumi("stack", "init", "preview");
  await appendFile(join(dir, "Pulumi.preview.yaml"), `config:\n  vast:apiUrl: http://127.0.0.1:${port}\n  vast:apiKey: not-a-real-key\n`);
  const failure = await pulumi("preview", "--stack", "preview").then(
    () => assert.fail("the preview succeeded"),
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}\n${err.stderr ?? ""}`,
  );
  assert.match(failure, /GpuFleet train: provisioning is invalid:/);
  assert.match(failure, /→ at downloads\[0\]\.url: must be an http\(s\):\/\/ or file:\/\/ URL/);
  assert.deepEqual(requests, [], "nothing reached the Vast API");
});
