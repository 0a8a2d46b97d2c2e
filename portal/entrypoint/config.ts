/**
 * The entrypoint's configuration: the environment variables and command-line flags it reads, through
 * one strict schema (style.md rule 9). No other entrypoint module reads `process.env`: the boot
 * steps work on {@link BootContext.env}, a copy that hooks and /etc/environment may change, and on
 * {@link BootContext.settings}, parsed from it again whenever it changes (`updateEnv`).
 * @module
 */
import { z } from "zod";
import { isPortalError, settingsError } from "../index.ts";
import { EntrypointErrorCode } from "./errors.ts";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
const isTrue = z
  .string()
  .optional()
  .transform((v) => (v ?? "").trim().toLowerCase() === "true");
const seconds = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      if (!/^\d+(\.\d+)?$/.test(v.trim())) {
        ctx.addIssue({ code: "custom", message: `must be a number of seconds, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return Number(v);
    });

/** The environment variables the entrypoint reads (instance-runtime.md §1, §8.11). */
const BootEnv = z.strictObject({
  /** Defaults to `/workspace`; `DATA_DIRECTORY` is the older name. */
  WORKSPACE: optionalText,
  DATA_DIRECTORY: optionalText,
  /** The instance id for the /etc/environment header: the first of these that is set. */
  CONTAINER_ID: optionalText,
  VAST_CONTAINERLABEL: optionalText,
  CONTAINER_LABEL: optionalText,
  PORTAL_CONFIG: z.string().optional(),
  VAST_TCP_PORT_8080: optionalText,
  JUPYTER_OVERRIDE: isTrue,
  /** Jupyter is re-added in entrypoint mode unless this is literally `false` (§1.2 stage 10, rule 2). */
  FORCE_JUPYTER: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim().toLowerCase() !== "false"),
  ENABLE_HTTPS: isTrue,
  SERVERLESS: isTrue,
  /** URL (or absolute container path) of a shell script run once, after supervisord is up. */
  PROVISIONING_SCRIPT: optionalText,
  /** Per-step time limit. Defaults to 120 s. */
  BOOT_STEP_TIMEOUT_SECONDS: seconds(120),
  /** Time limit of the provisioning script. Defaults to 3600 s. */
  PROVISIONING_TIMEOUT_SECONDS: seconds(3600),
  /** How long supervisord gets to stop after SIGTERM before it is killed. Defaults to 8 s (docker stop waits 10). */
  SHUTDOWN_GRACE_SECONDS: seconds(8),
  /** The supervisord program and its config; tests point these at a stand-in. */
  SUPERVISORD_BIN: optionalText,
  SUPERVISORD_CONF: optionalText,
});

/** Settings derived from the environment. */
export interface BootSettings {
  /** Workspace directory as a container path. Defaults to `/workspace`. */
  readonly workspace: string;
  /** Id used in the /etc/environment header; undefined rewrites the file every boot. */
  readonly instanceId: string | undefined;
  readonly portalConfig: string | undefined;
  readonly vastTcpPort8080: string | undefined;
  readonly jupyterOverride: boolean;
  readonly forceJupyter: boolean;
  readonly enableHttps: boolean;
  readonly serverless: boolean;
  readonly provisioningScript: string | undefined;
  readonly stepTimeoutMs: number;
  readonly provisioningTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly supervisordBin: string;
  /** Container path of supervisord's config. */
  readonly supervisordConf: string;
}

/**
 * Parse the entrypoint's variables out of a whole environment.
 * @throws {PortalError} `ENTRYPOINT_CONFIG_INVALID`, naming every bad key
 */
export function readBootSettings(env: Readonly<Record<string, string | undefined>>): BootSettings {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(BootEnv.shape)) picked[key] = env[key];
  const parsed = BootEnv.safeParse(picked);
  if (!parsed.success) throw settingsError(EntrypointErrorCode.configInvalid, "entrypoint environment", parsed.error);
  const e = parsed.data;
  return {
    workspace: e.WORKSPACE ?? e.DATA_DIRECTORY ?? "/workspace",
    instanceId: e.CONTAINER_ID ?? e.VAST_CONTAINERLABEL?.replace(/^C\./, "") ?? e.CONTAINER_LABEL?.replace(/^C\./, ""),
    portalConfig: e.PORTAL_CONFIG,
    vastTcpPort8080: e.VAST_TCP_PORT_8080,
    jupyterOverride: e.JUPYTER_OVERRIDE,
    forceJupyter: e.FORCE_JUPYTER,
    enableHttps: e.ENABLE_HTTPS,
    serverless: e.SERVERLESS,
    provisioningScript: e.PROVISIONING_SCRIPT,
    stepTimeoutMs: e.BOOT_STEP_TIMEOUT_SECONDS * 1000,
    provisioningTimeoutMs: e.PROVISIONING_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    supervisordBin: e.SUPERVISORD_BIN ?? "supervisord",
    supervisordConf: e.SUPERVISORD_CONF ?? "/etc/supervisor/supervisord.conf",
  };
}

/**
 * The settings of a working environment for the boot itself: bad keys are reported, dropped from
 * `env` and defaulted, so one bad value does not stop the boot.
 */
export function settleBootSettings(env: Record<string, string>, report: (message: string) => void): BootSettings {
  try {
    return readBootSettings(env);
  } catch (err) {
    report(`${(err as Error).message}\nusing defaults for those keys`);
    if (isPortalError(err)) for (const key of (err.details.keys as string[] | undefined) ?? []) delete env[key];
    return readBootSettings(env);
  }
}

/** Command-line flags of the original boot script that this entrypoint honours (§1.1). */
export interface BootFlags {
  /** `--no-user-keys`: skip copying root's SSH keys. */
  readonly propagateUserKeys: boolean;
  /** `--no-export-env`: do not re-read /etc/environment and $WORKSPACE/.env into the boot environment. */
  readonly exportEnv: boolean;
  /** `--no-cert-gen`: never generate a TLS pair. */
  readonly generateTlsCert: boolean;
  /** `--jupyter-override`: same as JUPYTER_OVERRIDE=true. */
  readonly jupyterOverride: boolean;
  /** `--no-force-jupyter`: same as FORCE_JUPYTER=false. */
  readonly noForceJupyter: boolean;
  /** Flags not recognised; warned about and ignored, as the original does. */
  readonly unknown: readonly string[];
}

/** Parse the entrypoint's arguments. Unknown flags are returned, not thrown. */
export function parseBootFlags(argv: readonly string[]): BootFlags {
  const known = new Set(["--no-user-keys", "--no-export-env", "--no-cert-gen", "--jupyter-override", "--no-force-jupyter"]);
  // Accepted for compatibility with templates that pass them; they have no effect here.
  const ignored = new Set([
    "--no-update-portal",
    "--no-update-vast",
    "--no-activate-pyenv",
    "--no-forward-compat",
    "--sync-environment",
    "--sync-home",
    "--no-agent-banner",
  ]);
  const has = (flag: string) => argv.includes(flag);
  return {
    propagateUserKeys: !has("--no-user-keys"),
    exportEnv: !has("--no-export-env"),
    generateTlsCert: !has("--no-cert-gen"),
    jupyterOverride: has("--jupyter-override"),
    noForceJupyter: has("--no-force-jupyter"),
    unknown: argv.filter((a) => !known.has(a) && !ignored.has(a)),
  };
}

/** A copy of the process environment without undefined values: the boot steps' working environment. */
export function snapshotEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
