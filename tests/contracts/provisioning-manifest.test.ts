/** The provisioning manifest grammar (instance-runtime.md §1.3), shared by the components and the image. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProvisioningManifestError, checkProvisioningManifest, parseProvisioningManifest } from "../../contracts/provisioning-manifest.ts";

test("a bare version: 1 is a manifest with the original's defaults filled in", () => {
  const m = parseProvisioningManifest({ version: 1 });
  assert.equal(m.settings.venv, "/venv/main");
  assert.equal(m.settings.log_file, "/var/log/portal/provisioning.log");
  assert.deepEqual(m.settings.concurrency, { hf_downloads: 3, wget_downloads: 5 });
  assert.deepEqual(m.settings.retry, { max_attempts: 5, initial_delay: 2, backoff_multiplier: 2 });
  assert.deepEqual(m.on_failure, { action: "continue", max_retries: 3, retry_delay: 30, webhook_on_success: false });
  assert.equal(m.auth.huggingface.token_env, "HF_TOKEN");
  assert.deepEqual(m.post_commands, []);
});

test("one pip block is read as a list of one, and blocks take their defaults", () => {
  const m = parseProvisioningManifest({ version: 1, pip_packages: { packages: ["torch>=2.0"] } });
  assert.deepEqual(m.pip_packages, [{ tool: "uv", packages: ["torch>=2.0"], requirements: [], args: "" }]);
  const repo = parseProvisioningManifest({ version: 1, git_repos: [{ url: "https://github.com/a/b", dest: "${WORKSPACE:-/workspace}/b" }] })
    .git_repos[0];
  assert.deepEqual(repo, {
    url: "https://github.com/a/b",
    dest: "${WORKSPACE:-/workspace}/b",
    recursive: true,
    pull_if_exists: false,
    post_commands: [],
  });
});

test("every section of the original's full reference is accepted", () => {
  const problems = checkProvisioningManifest({
    version: 1,
    settings: { workspace: "${WORKSPACE:-/workspace}", concurrency: { hf_downloads: 2 }, retry: { max_attempts: 3 } },
    auth: { huggingface: { token_env: "MY_HF" } },
    on_failure: { action: "destroy", max_retries: 1, webhook: "https://hooks.example.com/x", webhook_on_success: true },
    write_files: [{ path: "/etc/app.yaml", content: "a: 1\n", permissions: "0600", owner: "user:root" }],
    apt_packages: ["ffmpeg", "libsndfile1=1.2.0-1"],
    pip_packages: [
      { venv: "system", tool: "pip", packages: ["wheel"] },
      { venv: "/venv/x", python: "3.11", requirements: ["/workspace/app/requirements.txt"], args: "--index-url https://pypi.org/simple" },
    ],
    conda_packages: { packages: ["nccl>=2.18"], channels: ["conda-forge"], env: "/venv/conda" },
    git_repos: [{ url: "git@github.com:a/b.git", dest: "/workspace/b", ref: "${VERSION:-main}", post_commands: ["pip install -e ."] }],
    downloads: [{ url: "https://huggingface.co/org/m/resolve/main/w.safetensors", dest: "/workspace/models/" }],
    conditional_downloads: [{ when: "hf_token_valid", downloads: [{ url: "https://huggingface.co/org/gated", dest: "/m/" }] }],
    env_merge: { HF_MODELS: "downloads" },
    services: [{ name: "my-app", command: "python app.py", portal_search_term: "My App", environment: { PORT: "7860" } }],
    write_files_late: [{ path: "/workspace/app/.env", content: "X=1\n" }],
    post_commands: ["ln -sf /workspace/models /workspace/app/models"],
  });
  assert.deepEqual(problems, []);
});

test("each bad field is named with its path and the rule it breaks", () => {
  const cases: [unknown, string][] = [
    [{}, "version: must be 1"],
    [{ version: 2 }, "version: must be 1"],
    [{ version: 1, extensions: [] }, '(manifest): Unrecognized key: "extensions"'],
    [{ version: 1, apt_packages: ["curl; rm -rf /"] }, "apt_packages[0]: must be one package spec without spaces or shell characters"],
    [
      { version: 1, git_repos: [{ url: "ftp://x", dest: "/w" }] },
      "git_repos[0].url: must be a git URL (https://, ssh://, git@, git://, file://)",
    ],
    [
      { version: 1, git_repos: [{ url: "https://x/y", dest: "relative" }] },
      'git_repos[0].dest: must be an absolute path (or start with "${VAR}")',
    ],
    [
      { version: 1, downloads: [{ url: "s3://b/k", dest: "/m" }] },
      'downloads[0].url: must be an http(s):// or file:// URL (or start with "${VAR}")',
    ],
    [
      { version: 1, write_files: [{ path: "/a", content: "", permissions: "rw" }] },
      'write_files[0].permissions: must be an octal mode such as "0644"',
    ],
    [{ version: 1, on_failure: { action: "explode" } }, 'on_failure.action: Invalid option: expected one of "continue"|"stop"|"destroy"'],
    [{ version: 1, settings: { retry: { max_attempts: 0 } } }, "settings.retry.max_attempts: Too small: expected number to be >=1"],
    [{ version: 1, env_merge: { HF_MODELS: "pip" } }, 'env_merge.HF_MODELS: must be "downloads"'],
    [{ version: 1, services: [{ name: "My App", command: "x" }] }, "services[0].name: must be a lowercase program name ([a-z][a-z0-9_-]*)"],
    [
      {
        version: 1,
        services: [
          { name: "a", command: "x" },
          { name: "a", command: "y" },
        ],
      },
      'services[1].name: service name "a" is used twice',
    ],
    [{ version: 1, pip_packages: [{ tool: "conda" }] }, 'pip_packages[0].tool: Invalid option: expected one of "uv"|"pip"'],
    [
      { version: 1, conditional_downloads: [{ when: "civitai_token_valid" }] },
      'conditional_downloads[0].when: Invalid input: expected "hf_token_valid"',
    ],
  ];
  for (const [value, problem] of cases) assert.deepEqual(checkProvisioningManifest(value), [problem], JSON.stringify(value));
});

test("parseProvisioningManifest throws one error listing every problem, under the caller's name", () => {
  assert.throws(
    () => parseProvisioningManifest({ version: 1, apt_packages: ["a b"], post_commands: [""] }, "GpuFleet train: provisioning"),
    (err: unknown) => {
      assert.ok(err instanceof ProvisioningManifestError);
      assert.equal(err.code, "PROVISIONING_MANIFEST_INVALID");
      assert.equal(err.problems.length, 2);
      assert.match(err.message, /^GpuFleet train: provisioning is invalid:\n {2}→ at apt_packages\[0\]: must be one package spec/);
      assert.match(err.message, /→ at post_commands\[0\]: Too small/);
      return true;
    },
  );
});
