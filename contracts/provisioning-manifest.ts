/**
 * The provisioning manifest contract (instance-runtime.md §1.3): what an instance installs at boot,
 * declared as YAML (`PROVISIONING_MANIFEST`, `/provisioning.yaml`, `POST /capabilities/provision`)
 * or as a typed object in IaC code (`GpuFleet.provisioning`). Both sides validate with this one
 * schema, so a manifest a component accepts at `pulumi preview` is one the instance runs.
 * The grammar only: zod is its one import, so the published package can ship it to team repositories.
 *
 * Section names and defaults follow the original image's provisioner, so its manifests run here.
 * Strings may use `${VAR}`, `${VAR:-default}` and `${VAR:=default}`; the instance expands them
 * against its environment before running anything (tokens stay in the environment, named by
 * `auth.*.token_env`, never in the manifest).
 * @module
 */
import { z } from "zod";

/** A container path: absolute, or starting with a `${VAR}` expansion (`${WORKSPACE:-/workspace}/models`). */
const ContainerPath = z
  .string()
  .min(1)
  .regex(/^(\/|\$\{)/, 'must be an absolute path (or start with "${VAR}")');
/** A URL, or a `${VAR}` expansion that becomes one on the instance. */
const Url = z
  .string()
  .min(1)
  .regex(/^(https?:\/\/|file:\/\/|\$\{)/, 'must be an http(s):// or file:// URL (or start with "${VAR}")');
/** A shell command line (run with bash). */
const Command = z.string().min(1);
/** An environment variable name. */
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
/** A package spec for apt, pip or conda: one word, no shell characters. */
const PackageSpec = z.string().regex(/^[A-Za-z0-9_.@+=<>!~:,\-[\]/*${}]+$/, "must be one package spec without spaces or shell characters");

/** Retries of each download, clone and package install (network work), with exponential backoff. */
export const RetrySettings = z.strictObject({
  /** Tries in all, the first included. Defaults to 5. */
  max_attempts: z.number().int().min(1).max(20).default(5),
  /** Seconds before the first retry. Defaults to 2. */
  initial_delay: z.number().min(0).max(600).default(2),
  /** Each later delay is the previous one times this. Defaults to 2. */
  backoff_multiplier: z.number().min(1).max(10).default(2),
});

/** General settings. */
export const ProvisioningSettings = z.strictObject({
  /** Working directory of commands. Defaults to the instance's `WORKSPACE` (`/workspace`). */
  workspace: ContainerPath.optional(),
  /** Python environment pip installs go into. Defaults to `/venv/main`. */
  venv: ContainerPath.default("/venv/main"),
  /** Log of every command's output. Defaults to `/var/log/portal/provisioning.log` (the portal's logs tab). */
  log_file: ContainerPath.default("/var/log/portal/provisioning.log"),
  /** Parallel downloads per kind. */
  concurrency: z
    .strictObject({
      /** Hugging Face downloads at once. Defaults to 3. */
      hf_downloads: z.number().int().min(1).max(32).default(3),
      /** Other downloads at once. Defaults to 5. */
      wget_downloads: z.number().int().min(1).max(32).default(5),
    })
    .prefault({}),
  retry: RetrySettings.prefault({}),
});

/** Which environment variable holds each service's token (the token itself never goes in a manifest). */
export const ProvisioningAuth = z.strictObject({
  huggingface: z.strictObject({ token_env: EnvName.default("HF_TOKEN") }).prefault({}),
  civitai: z.strictObject({ token_env: EnvName.default("CIVITAI_TOKEN") }).prefault({}),
});

/** What happens when provisioning has failed after its retries. */
export const OnFailure = z.strictObject({
  /**
   * `continue`: log a failed phase, run the later ones, mark provisioning failed, keep the instance.
   * `stop`: end provisioning at the first failed phase and mark it failed.
   * `destroy`: post the webhook, then destroy the instance through the Vast API (its
   * `CONTAINER_API_KEY` can destroy only itself), so a broken instance stops billing.
   * Defaults to `continue`.
   */
  action: z.enum(["continue", "stop", "destroy"]).default("continue"),
  /** Whole-pipeline retries after a failed run (done phases are skipped by their hash). Defaults to 3. */
  max_retries: z.number().int().min(0).max(20).default(3),
  /** Seconds between those retries. Defaults to 30. */
  retry_delay: z.number().min(0).max(3600).default(30),
  /** URL that receives a JSON POST `{action, error, container_id, …}` on failure. Defaults to none. */
  webhook: Url.optional(),
  /** Also POST to the webhook on success. Defaults to false. */
  webhook_on_success: z.boolean().default(false),
});

/** A file written by the `write_files` or `write_files_late` phase. */
export const FileWrite = z.strictObject({
  path: ContainerPath,
  content: z.string(),
  /** Octal mode. Defaults to "0644". */
  permissions: z
    .string()
    .regex(/^0?[0-7]{3}$/, 'must be an octal mode such as "0644"')
    .default("0644"),
  /** `user` or `user:group` to chown to. Defaults to the provisioner's (root). */
  owner: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, 'must be "user" or "user:group"')
    .optional(),
});

/** One pip install block. */
export const PipBlock = z.strictObject({
  /** `uv` (falls back to pip when uv is absent) or `pip`. Defaults to `uv`. */
  tool: z.enum(["uv", "pip"]).default("uv"),
  packages: z.array(PackageSpec).default([]),
  /** Requirements files. */
  requirements: z.array(ContainerPath).default([]),
  /** Extra arguments appended to the install command (shell words, e.g. `--index-url URL`). Defaults to none. */
  args: z.string().default(""),
  /** Target venv, or `system` for the system Python. Defaults to `settings.venv`. */
  venv: z.union([z.literal("system"), ContainerPath]).optional(),
  /** Python version for creating the venv when it does not exist yet. Defaults to the system Python. */
  python: z
    .string()
    .regex(/^\d+(\.\d+){0,2}$/, 'must be a Python version such as "3.11"')
    .optional(),
});

/** Conda packages: installed only where Miniforge is present (`/opt/miniforge3` or conda on PATH); else skipped with a log line. */
export const CondaPackages = z.strictObject({
  packages: z.array(PackageSpec).default([]),
  channels: z.array(PackageSpec).default([]),
  /** Extra arguments. Defaults to none. */
  args: z.string().default(""),
  /** Target prefix env, created when missing. Defaults to the base env. */
  env: ContainerPath.optional(),
  python: z
    .string()
    .regex(/^\d+(\.\d+){0,2}$/, 'must be a Python version such as "3.11"')
    .optional(),
});

/** A git repository to clone. */
export const GitRepo = z.strictObject({
  url: z
    .string()
    .regex(/^(https?:\/\/|git@|ssh:\/\/|git:\/\/|file:\/\/|\$\{)/, "must be a git URL (https://, ssh://, git@, git://, file://)"),
  dest: ContainerPath,
  /** Branch, tag or commit to check out. Defaults to the remote's default branch. */
  ref: z.string().min(1).optional(),
  /** Clone submodules. Defaults to true. */
  recursive: z.boolean().default(true),
  /** `git pull` when `dest` already exists. Defaults to false (left as is). */
  pull_if_exists: z.boolean().default(false),
  /** Commands run in the clone after it is checked out. */
  post_commands: z.array(Command).default([]),
});

/**
 * A download. `huggingface.co` URLs (`…/<repo>/resolve/<rev>/<file>`, or a whole repo
 * `https://huggingface.co/<repo>`) go through the Hugging Face pool with the HF token and
 * `HF_ENDPOINT`; other URLs through the plain pool. A `dest` ending in `/` is a directory.
 */
export const Download = z.strictObject({ url: Url, dest: ContainerPath });

/** Downloads chosen by a condition checked on the instance. */
export const ConditionalDownload = z.strictObject({
  /** `hf_token_valid`: the Hugging Face token is set and accepted by `HF_ENDPOINT`'s whoami. */
  when: z.enum(["hf_token_valid"]),
  downloads: z.array(Download).default([]),
  else_downloads: z.array(Download).default([]),
});

/** A supervisor program generated by the `services` phase (instance-runtime.md §7). */
export const Service = z.strictObject({
  /** Program name; also the file names `/opt/supervisor-scripts/<name>.sh` and `/etc/supervisor/conf.d/<name>.conf`. */
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "must be a lowercase program name ([a-z][a-z0-9_-]*)"),
  command: Command,
  /** The program runs only while `/etc/portal.yaml` has an app whose name contains this. Defaults to always. */
  portal_search_term: z.string().min(1).optional(),
  /** Exit quietly when `SERVERLESS=true`. Defaults to true. */
  skip_on_serverless: z.boolean().default(true),
  /** Venv activated first. Defaults to `/venv/main`. */
  venv: ContainerPath.default("/venv/main"),
  /** Directory the command runs in. Defaults to the workspace. */
  workdir: ContainerPath.optional(),
  pre_commands: z.array(Command).default([]),
  /** Wait while `/.provisioning` exists. Defaults to true. */
  wait_for_provisioning: z.boolean().default(true),
  environment: z.record(EnvName, z.string()).default({}),
});

/** The whole manifest, version 1. */
export const ProvisioningManifest = z.strictObject({
  version: z.literal(1, "must be 1"),
  settings: ProvisioningSettings.prefault({}),
  auth: ProvisioningAuth.prefault({}),
  on_failure: OnFailure.prefault({}),
  write_files: z.array(FileWrite).default([]),
  apt_packages: z.array(PackageSpec).default([]),
  /** One block or a list of blocks (the original accepts both). */
  pip_packages: z.preprocess((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v), z.array(PipBlock).default([])),
  conda_packages: CondaPackages.prefault({}),
  git_repos: z.array(GitRepo).default([]),
  downloads: z.array(Download).default([]),
  conditional_downloads: z.array(ConditionalDownload).default([]),
  /** Environment variables holding `url|dest;url|dest` lists, merged into `downloads` on the instance. */
  env_merge: z.record(EnvName, z.literal("downloads", 'must be "downloads"')).default({}),
  services: z
    .array(Service)
    .default([])
    .superRefine((services, ctx) => {
      const seen = new Set<string>();
      services.forEach((s, i) => {
        if (seen.has(s.name)) ctx.addIssue({ code: "custom", message: `service name "${s.name}" is used twice`, path: [i, "name"] });
        seen.add(s.name);
      });
    }),
  write_files_late: z.array(FileWrite).default([]),
  post_commands: z.array(Command).default([]),
});

/** A manifest as written (defaults optional): the type of `GpuFleet.provisioning`. */
export type ProvisioningManifestInput = z.input<typeof ProvisioningManifest>;
/** A validated manifest with every default filled in. */
export type ProvisioningManifest = z.output<typeof ProvisioningManifest>;

/** Render a zod issue path as `git_repos[0].url`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("") || "(manifest)";
}

/** What is wrong with `value` as a manifest, one line per problem naming the field (`git_repos[0].url: must be …`); empty when fine. */
export function checkProvisioningManifest(value: unknown): string[] {
  const parsed = ProvisioningManifest.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
}

/** Stable code of {@link ProvisioningManifestError}. */
export const ProvisioningManifestErrorCode = { invalid: "PROVISIONING_MANIFEST_INVALID" } as const;

/** A manifest does not fit the grammar; the message names every bad field. */
export class ProvisioningManifestError extends Error {
  override readonly name = "ProvisioningManifestError";
  readonly code = ProvisioningManifestErrorCode.invalid;
  /** One line per problem, as {@link checkProvisioningManifest} gives them. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], where = "provisioning manifest") {
    super(`${where} is invalid:\n${problems.map((p) => `  → at ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/**
 * Validate `value` and fill in the defaults.
 * @param where names the source in the message (`PROVISIONING_MANIFEST`, `GpuFleet train: provisioning`)
 * @throws {ProvisioningManifestError} naming every bad field
 */
export function parseProvisioningManifest(value: unknown, where?: string): ProvisioningManifest {
  const parsed = ProvisioningManifest.safeParse(value);
  if (!parsed.success)
    throw new ProvisioningManifestError(
      parsed.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`),
      where,
    );
  return parsed.data;
}

/**
 * How a manifest travels in a Vast env (vast-api.md §3.2.1 limits each entry to 256 characters and a
 * template's env string to no double quote or newline): the manifest as JSON, gzipped, base64. When
 * `PROVISIONING_MANIFEST=<ENCODED_PREFIX><data>` would be over 256 characters, `PROVISIONING_MANIFEST`
 * is `<PARTS_PREFIX><n>` and the data is split over `<PART_VAR_PREFIX>1` … `<PART_VAR_PREFIX><n>`.
 * The components write it (components/provisioning.ts); the instance reads it, besides plain YAML,
 * a URL or a path (portal/entrypoint/provisioning/source.ts).
 */
export const ManifestEnvEncoding = {
  /** Value prefix of a manifest carried whole. */
  ENCODED_PREFIX: "b64gz:",
  /** Value prefix of a manifest carried in parts; the part count follows. */
  PARTS_PREFIX: "b64gz-parts:",
  /** Name prefix of the part variables. */
  PART_VAR_PREFIX: "PROVISIONING_MANIFEST_PART_",
  /** Vast's limit on one `KEY=value` entry. */
  MAX_ENTRY: 256,
} as const;
