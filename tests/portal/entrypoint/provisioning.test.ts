/**
 * The provisioning runner in-process (portal/entrypoint/provisioning/): a manifest's phases against
 * loopback stand-ins (downloads that fail first, a Hugging Face endpoint, a webhook, the Vast
 * destroy endpoint) and a local bare git repository, in a temp instance root. apt and pip need a
 * container: tests/image/provisioning.test.ts runs them.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import YAML from "yaml";
import { encodeManifestEnv } from "../../../components/provisioning.ts";
import { parseEnvString } from "../../../emulator/docker-env.ts";
import { envProblems, toTemplateEnvString } from "../../../providers/vast/env-spec.ts";
import { readProvisioningStatus } from "../../../portal/provisioning-status.ts";
import { readProvisionerSettings } from "../../../portal/entrypoint/provisioning/config.ts";
import { runManifest } from "../../../portal/entrypoint/provisioning/runner.ts";
import type { ProvisionOutcome } from "../../../portal/entrypoint/provisioning/runner.ts";
import { manifestSource } from "../../../portal/entrypoint/provisioning/source.ts";
import type { ManifestSource } from "../../../portal/entrypoint/provisioning/source.ts";
import { startStandin } from "./fixtures/provisioning-standin.ts";
import type { Standin } from "./fixtures/provisioning-standin.ts";
import { makeInstanceRoot, readIfExists } from "./_helpers.ts";
import { makeStandinData } from "./_provisioning.ts";
import type { StandinData } from "./_provisioning.ts";

const HF_TOKEN = "hf_standin_secret_token";
let dataDir: string;
let data: StandinData;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "vk-standin-"));
  data = await makeStandinData(dataDir);
});
after(() => fs.rm(dataDir, { recursive: true, force: true }));

async function standin(t: { after(fn: () => unknown): void }, failFirst = 0): Promise<Standin> {
  const s = await startStandin({ dir: dataDir, failFirst, hfToken: HF_TOKEN });
  t.after(() => s.close());
  return s;
}

/** Fast retries, so the tests wait milliseconds where an instance waits seconds. */
const FAST = { retry: { max_attempts: 3, initial_delay: 0.02, backoff_multiplier: 1 } };

interface Run {
  readonly outcome: ProvisionOutcome;
  readonly lines: string[];
}

async function provision(root: string, manifest: unknown, env: Record<string, string> = {}, job = "test"): Promise<Run> {
  const lines: string[] = [];
  const sink = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const fullEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, PROVISIONING_MANIFEST: YAML.stringify(manifest), ...env };
  const source = (await manifestSource(readProvisionerSettings(fullEnv), root, fullEnv)) as ManifestSource;
  const outcome = await runManifest({ root, env: fullEnv, source, job, sink });
  return { outcome, lines };
}

function fullManifest(s: Standin) {
  return {
    version: 1,
    settings: FAST,
    on_failure: { max_retries: 0 },
    write_files: [{ path: "/etc/app/config.yaml", content: "debug: false\n", permissions: "0600" }],
    git_repos: [
      { url: `file://${data.gitRepo}`, dest: "${WORKSPACE:-/workspace}/repo", ref: "v1", post_commands: ["cp hello.txt built.txt"] },
    ],
    conda_packages: { packages: ["numpy"] },
    downloads: [
      { url: `${s.url}/flaky/flaky.bin`, dest: "/workspace/models/flaky.bin" },
      { url: "https://huggingface.co/acme/tiny/resolve/main/config.json", dest: "/workspace/models/config.json" },
      { url: "https://huggingface.co/acme/tiny", dest: "/workspace/models/tiny/" },
    ],
    env_merge: { EXTRA_MODELS: "downloads" },
    services: [{ name: "demo", command: "python3 -m http.server 18777", environment: { GREETING: "hi there" } }],
    write_files_late: [{ path: "/workspace/app/.env", content: "MODEL=${MODEL_DIR:=/workspace/models}\n" }],
    post_commands: ["echo ran >> post.log", "echo token=$HF_TOKEN"],
  };
}

const ENV = (s: Standin) => ({ HF_ENDPOINT: s.url, HF_TOKEN, EXTRA_MODELS: `${s.url}/files/model.bin|/workspace/models/extra.bin` });

test("a manifest runs every phase in order: files, git at a ref, downloads retried, Hugging Face with its token, env_merge, services, late files, post commands", async (t) => {
  const s = await standin(t, 2);
  const root = await makeInstanceRoot();
  const { outcome, lines } = await provision(root, fullManifest(s), ENV(s));
  assert.equal(outcome.ok, true, outcome.error);
  assert.deepEqual(outcome.phases, {
    write_files: "ran",
    apt: "nothing to do",
    git: "ran",
    pip: "nothing to do",
    conda: "skipped: no conda (install Miniforge at /opt/miniforge3 to use conda_packages)",
    downloads: "ran",
    services: "ran",
    write_files_late: "ran",
    post_commands: "ran",
  });
  const at = (p: string) => path.join(root, p);
  assert.equal(await fs.readFile(at("etc/app/config.yaml"), "utf8"), "debug: false\n");
  assert.equal((await fs.stat(at("etc/app/config.yaml"))).mode & 0o777, 0o600);
  assert.equal(await fs.readFile(at("workspace/repo/built.txt"), "utf8"), "v1\n", "checked out at the tag, post command run in the clone");
  assert.equal(await fs.readFile(at("workspace/models/flaky.bin"), "utf8"), "flaky bytes");
  assert.equal(s.stats.hits["/flaky/flaky.bin"], 3, "two 503s, then the file");
  assert.equal(await fs.readFile(at("workspace/models/config.json"), "utf8"), '{"hidden": 8}');
  assert.equal(await fs.readFile(at("workspace/models/tiny/weights/part.bin"), "utf8"), "hf weights", "a whole repo, listed then fetched");
  assert.equal(await fs.readFile(at("workspace/models/extra.bin"), "utf8"), "plain model bytes", "env_merge list downloaded");
  const script = await fs.readFile(at("opt/supervisor-scripts/demo.sh"), "utf8");
  assert.match(script, /^export GREETING='hi there'$/m);
  assert.match(script, /wait_provisioning\.sh/);
  assert.match(script, /^exec python3 -m http\.server 18777$/m);
  const conf = await fs.readFile(at("etc/supervisor/conf.d/demo.conf"), "utf8");
  assert.match(conf, /^\[program:demo\]$/m);
  assert.match(conf, /^command=\/opt\/supervisor-scripts\/demo\.sh$/m);
  assert.match(conf, /^autorestart=unexpected$/m);
  assert.equal(await fs.readFile(at("workspace/app/.env"), "utf8"), "MODEL=/workspace/models\n", "${VAR:=default} expanded");
  assert.equal(await fs.readFile(at("workspace/post.log"), "utf8"), "ran\n");
  const log = await fs.readFile(at("var/log/portal/provisioning.log"), "utf8");
  assert.match(log, /token=\*\*\*/, "the command's output is in the log with the token masked");
  assert.ok(!log.includes(HF_TOKEN) && !lines.join("\n").includes(HF_TOKEN), "no token in the log or the boot log");
  assert.ok(
    lines.some((l) => /download http:\/\/127\.0\.0\.1:\d+\/flaky\/flaky\.bin: try 1\/3 failed \(GET .* answered 503\); retrying/.test(l)),
  );
  const status = await readProvisioningStatus(root);
  assert.equal(status.status, "complete");
  assert.equal(status.run?.job, "test");
});

test("a second run with the same manifest skips every phase and repeats no work; a changed phase alone runs again", async (t) => {
  const s = await standin(t);
  const root = await makeInstanceRoot();
  const manifest = fullManifest(s);
  assert.equal((await provision(root, manifest, ENV(s))).outcome.ok, true);
  const hits = { ...s.stats.hits };
  const again = await provision(root, manifest, ENV(s), "again");
  assert.equal(again.outcome.ok, true);
  for (const phase of ["write_files", "git", "downloads", "services", "write_files_late", "post_commands"])
    assert.equal(again.outcome.phases[phase], "skipped (unchanged)", phase);
  assert.match(again.outcome.phases.conda ?? "", /^skipped: no conda/, "a skipped-for-lack-of-conda phase is tried again, not hashed");
  assert.deepEqual(s.stats.hits, hits, "no download repeated");
  assert.equal(await fs.readFile(path.join(root, "workspace/post.log"), "utf8"), "ran\n", "post commands not repeated");
  assert.ok(again.lines.includes("provisioning: phase downloads: skipped (unchanged since it last succeeded)"));

  const changed = await provision(root, { ...manifest, post_commands: ["echo changed >> post.log"] }, ENV(s), "changed");
  assert.equal(changed.outcome.phases.post_commands, "ran");
  assert.equal(changed.outcome.phases.downloads, "skipped (unchanged)");
  assert.equal(await fs.readFile(path.join(root, "workspace/post.log"), "utf8"), "ran\nchanged\n");
});

test("a phase that fails every try fails the attempt; the retried pipeline succeeds once the server recovers, skipping what was done", async (t) => {
  const s = await standin(t, 4);
  const root = await makeInstanceRoot();
  const manifest = {
    version: 1,
    settings: { retry: { max_attempts: 3, initial_delay: 0.02, backoff_multiplier: 1 } },
    on_failure: { max_retries: 1, retry_delay: 0.05, webhook: `${s.url}/webhook`, webhook_on_success: true },
    write_files: [{ path: "/workspace/first.txt", content: "x" }],
    downloads: [{ url: `${s.url}/flaky/flaky.bin`, dest: "/workspace/flaky.bin" }],
  };
  const { outcome, lines } = await provision(root, manifest);
  assert.equal(outcome.ok, true, outcome.error);
  assert.equal(s.stats.hits["/flaky/flaky.bin"], 5, "three failed tries in attempt 1, one more 503 and the file in attempt 2");
  assert.ok(lines.some((l) => /phase downloads: failed: 1 of 1 downloads failed: GET .* answered 503/.test(l)));
  assert.ok(lines.some((l) => /attempt 1\/2 failed \(downloads: .*\); retrying in 0\.05s/.test(l)));
  assert.ok(
    lines.includes("provisioning: phase write_files: skipped (unchanged since it last succeeded)"),
    "the retry skips the done phase",
  );
  assert.equal(await fs.readFile(path.join(root, "workspace/flaky.bin"), "utf8"), "flaky bytes");
  assert.equal((await readProvisioningStatus(root)).run?.attempt, 2);
  assert.deepEqual(
    s.stats.webhooks.map((w) => (w as { action: string; status: string }).status),
    ["complete"],
    "webhook_on_success posts once",
  );
});

test("on_failure stop ends the run at the failed phase; continue runs the later phases; both mark it failed", async (t) => {
  const s = await standin(t);
  const manifest = (action: string) => ({
    version: 1,
    settings: { retry: { max_attempts: 1, initial_delay: 0, backoff_multiplier: 1 } },
    on_failure: { action, max_retries: 0 },
    downloads: [{ url: `${s.url}/files/missing.bin`, dest: "/workspace/missing.bin" }],
    post_commands: ["touch after.txt"],
  });
  const stopRoot = await makeInstanceRoot();
  const stopped = await provision(stopRoot, manifest("stop"));
  assert.equal(stopped.outcome.ok, false);
  assert.match(stopped.outcome.phases.downloads ?? "", /^failed: .*answered 404/);
  assert.equal(stopped.outcome.phases.post_commands, "not run");
  assert.equal(await readIfExists(path.join(stopRoot, "workspace/after.txt")), undefined);
  assert.equal((await readProvisioningStatus(stopRoot)).status, "failed");

  const goRoot = await makeInstanceRoot();
  const continued = await provision(goRoot, manifest("continue"));
  assert.equal(continued.outcome.ok, false);
  assert.equal(continued.outcome.phases.post_commands, "ran");
  assert.equal(await readIfExists(path.join(goRoot, "workspace/after.txt")), "");
  assert.equal((await readProvisioningStatus(goRoot)).status, "failed");
  assert.equal(await readIfExists(path.join(goRoot, ".provisioner_state/downloads.hash")), undefined, "a failed phase keeps no hash");
});

test("on_failure destroy posts the webhook, then destroys the instance through the Vast API with its own key", async (t) => {
  const s = await standin(t);
  const root = await makeInstanceRoot();
  const key = "container-api-key-0123456789";
  const { outcome, lines } = await provision(
    root,
    {
      version: 1,
      on_failure: { action: "destroy", max_retries: 0, webhook: `${s.url}/webhook` },
      post_commands: ["exit 3"],
    },
    { VAST_API_URL: s.url, CONTAINER_ID: "4242", CONTAINER_API_KEY: key },
  );
  assert.equal(outcome.ok, false);
  assert.equal(outcome.action, "destroy");
  assert.equal(s.stats.webhooks.length, 1);
  const hook = s.stats.webhooks[0] as Record<string, unknown>;
  assert.equal(hook.action, "destroy");
  assert.equal(hook.container_id, "4242");
  assert.match(String(hook.error), /post_commands: 1 of 1 post commands failed: command exited with status 3/);
  assert.deepEqual(s.stats.deletes, [{ path: "/api/v0/instances/4242/", authorization: `Bearer ${key}` }]);
  assert.ok(lines.some((l) => l.includes("Vast accepted the destruction of instance 4242")));
  assert.ok(!lines.join("\n").includes(key), "the key is not logged");
});

test("an invalid manifest runs nothing and its error names the field", async () => {
  const root = await makeInstanceRoot();
  const { outcome } = await provision(root, { version: 1, git_repos: [{ url: "ftp://x/y", dest: "/w" }], post_commands: ["touch ran"] });
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? "", /→ at git_repos\[0\]\.url: must be a git URL/);
  assert.deepEqual(outcome.phases, {});
  assert.equal((await readProvisioningStatus(root)).status, "failed");
});

test("a manifest the components encoded in parts survives a template env string and decodes back on the instance", async () => {
  const manifest = {
    version: 1 as const,
    post_commands: Array.from({ length: 40 }, (_, i) => `echo step ${i} ${"x".repeat(i)} >> steps.log`),
  };
  const encoded = encodeManifestEnv(manifest);
  assert.match(encoded.PROVISIONING_MANIFEST ?? "", /^b64gz-parts:\d+$/);
  assert.deepEqual(envProblems(encoded, [], true), [], "fits a template's env: 256 characters an entry, no quote or newline");
  // Through a template's docker-flag env string, split as the vastai CLI (and the emulator) split it.
  const env = parseEnvString(toTemplateEnvString(encoded, [])) as Record<string, string>;
  assert.deepEqual(env, encoded);
  const root = await makeInstanceRoot();
  const source = await manifestSource(readProvisionerSettings(env), root, env);
  assert.equal(source?.kind, "inline");
  assert.deepEqual(YAML.parse(source?.kind === "inline" ? source.text : ""), manifest);
  const small = encodeManifestEnv({ version: 1 });
  assert.match(small.PROVISIONING_MANIFEST ?? "", /^b64gz:/);
  assert.equal(Object.keys(small).length, 1);
});

test("a bad PROVISIONER_* value runs nothing and the status says why, naming the key", async () => {
  const root = await makeInstanceRoot();
  const lines: string[] = [];
  const sink = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", PROVISIONER_RETRY_MAX: "lots" };
  const source = { kind: "inline", text: "version: 1\npost_commands: ['touch ran']\n", label: "test" } as const;
  const outcome = await runManifest({ root, env, source, job: "bad-env", sink });
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? "", /PROVISIONER_RETRY_MAX/);
  assert.ok(lines.some((l) => l.includes("PROVISIONER_RETRY_MAX")));
  const status = await readProvisioningStatus(root);
  assert.equal(status.status, "failed");
  assert.match(status.run?.error ?? "", /must be a number from 0 to 20, got "lots"/);
  assert.equal(await readIfExists(path.join(root, "workspace/ran")), undefined);
});
