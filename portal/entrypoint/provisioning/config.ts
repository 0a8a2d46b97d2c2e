/**
 * The provisioner's configuration: the environment variables it reads (instance-runtime.md §1.3),
 * through one strict schema (style.md rule 9). Tokens are not read here: the manifest names the
 * variables that hold them (`auth.*.token_env`), and the runner looks them up in its environment.
 * @module
 */
import { z } from "zod";
import { settingsError } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
const optionalNumber = (max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const n = Number(v.trim());
      if (!/^\d+(\.\d+)?$/.test(v.trim()) || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a number from 0 to ${max}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

const ProvisionerEnv = z.strictObject({
  /** The manifest: inline YAML or JSON, an http(s) URL, or an absolute container path. */
  PROVISIONING_MANIFEST: optionalText,
  /** Overrides of the manifest's `on_failure` and `settings` (the original's `PROVISIONER_*`). */
  PROVISIONER_RETRY_MAX: optionalNumber(20),
  PROVISIONER_RETRY_DELAY: optionalNumber(3600),
  PROVISIONER_FAILURE_ACTION: z.enum(["continue", "stop", "destroy"]).optional(),
  PROVISIONER_WEBHOOK_URL: optionalText,
  PROVISIONER_WEBHOOK_ON_SUCCESS: optionalText,
  PROVISIONER_LOG_FILE: optionalText,
  PROVISIONER_VENV: optionalText,
  PROVISIONER_CONDA_ENV: optionalText,
  /** Directory of the per-phase hashes. Defaults to `/.provisioner_state`. */
  PROVISIONER_STATE_DIR: optionalText,
  /** Injected lists: `url|dest;…`, `url|dest|ref;…`, space-separated packages, `;`-separated commands. */
  PROVISIONING_DOWNLOADS: optionalText,
  PROVISIONING_GIT_REPOS: optionalText,
  PROVISIONING_APT: optionalText,
  PROVISIONING_PIP: optionalText,
  PROVISIONING_CONDA: optionalText,
  PROVISIONING_POST_COMMANDS: optionalText,
  /** Hugging Face's base URL (huggingface_hub's variable). Defaults to https://huggingface.co. */
  HF_ENDPOINT: optionalText,
  /** The Vast API base, for `on_failure: destroy` (the vastai CLI's variable). Defaults to https://console.vast.ai. */
  VAST_API_URL: optionalText,
  CONTAINER_ID: optionalText,
  CONTAINER_API_KEY: optionalText,
  WORKSPACE: optionalText,
  DATA_DIRECTORY: optionalText,
});

/** The provisioner's settings. */
export interface ProvisionerSettings {
  readonly manifest: string | undefined;
  readonly retryMax: number | undefined;
  readonly retryDelaySeconds: number | undefined;
  readonly failureAction: "continue" | "stop" | "destroy" | undefined;
  readonly webhookUrl: string | undefined;
  readonly webhookOnSuccess: boolean | undefined;
  readonly logFile: string | undefined;
  readonly venv: string | undefined;
  readonly condaEnv: string | undefined;
  /** Container path. */
  readonly stateDir: string;
  readonly injected: {
    readonly downloads: string | undefined;
    readonly gitRepos: string | undefined;
    readonly apt: string | undefined;
    readonly pip: string | undefined;
    readonly conda: string | undefined;
    readonly postCommands: string | undefined;
  };
  readonly hfEndpoint: string;
  readonly apiUrl: string;
  readonly containerId: string | undefined;
  readonly containerApiKey: string | undefined;
  /** Container path of the workspace. Defaults to `/workspace`. */
  readonly workspace: string;
}

/** System directories the state directory may never be (a typo must not point the hashes at /etc). */
const FORBIDDEN_STATE_DIRS = new Set([
  "/",
  "/etc",
  "/usr",
  "/var",
  "/bin",
  "/sbin",
  "/lib",
  "/opt",
  "/root",
  "/home",
  "/proc",
  "/sys",
  "/dev",
]);

/**
 * Parse the provisioner's variables out of a whole environment.
 * @throws {PortalError} `ENTRYPOINT_CONFIG_INVALID`, naming every bad key
 */
export function readProvisionerSettings(env: Readonly<Record<string, string | undefined>>): ProvisionerSettings {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(ProvisionerEnv.shape)) picked[key] = env[key];
  const parsed = ProvisionerEnv.safeParse(picked);
  if (!parsed.success) throw settingsError(EntrypointErrorCode.configInvalid, "provisioner environment", parsed.error);
  const e = parsed.data;
  const stateDir = e.PROVISIONER_STATE_DIR?.replace(/\/+$/, "");
  const onSuccess = e.PROVISIONER_WEBHOOK_ON_SUCCESS?.toLowerCase();
  return {
    manifest: e.PROVISIONING_MANIFEST,
    retryMax: e.PROVISIONER_RETRY_MAX,
    retryDelaySeconds: e.PROVISIONER_RETRY_DELAY,
    failureAction: e.PROVISIONER_FAILURE_ACTION,
    webhookUrl: e.PROVISIONER_WEBHOOK_URL,
    webhookOnSuccess: onSuccess === undefined ? undefined : onSuccess === "true" || onSuccess === "1",
    logFile: e.PROVISIONER_LOG_FILE,
    venv: e.PROVISIONER_VENV,
    condaEnv: e.PROVISIONER_CONDA_ENV,
    stateDir: stateDir !== undefined && stateDir.startsWith("/") && !FORBIDDEN_STATE_DIRS.has(stateDir) ? stateDir : "/.provisioner_state",
    injected: {
      downloads: e.PROVISIONING_DOWNLOADS,
      gitRepos: e.PROVISIONING_GIT_REPOS,
      apt: e.PROVISIONING_APT,
      pip: e.PROVISIONING_PIP,
      conda: e.PROVISIONING_CONDA,
      postCommands: e.PROVISIONING_POST_COMMANDS,
    },
    hfEndpoint: (e.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, ""),
    apiUrl: (e.VAST_API_URL ?? "https://console.vast.ai").replace(/\/+$/, ""),
    containerId: e.CONTAINER_ID,
    containerApiKey: e.CONTAINER_API_KEY,
    workspace: e.WORKSPACE ?? e.DATA_DIRECTORY ?? "/workspace",
  };
}
