/**
 * What every provisioning phase works with: the instance root, the environment commands run in,
 * the log, the abort signal and the settings. The runner builds one per run.
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { instancePath } from "../../index.ts";
import type { ProvisionerSettings } from "./config.ts";

/** Where provisioning writes its progress: the boot log (or stdout for a portal job) and the provisioning log file. */
export interface ProvisionLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Raw command output, to the provisioning log file and stdout. */
  output(chunk: Buffer | string): void;
}

/** The shared state of one provisioning run. */
export interface ProvisionRuntime {
  /** Absolute host path of the instance root (`/` in a container). */
  readonly root: string;
  /** Environment of every command; `${VAR:=d}` in the manifest may add to it. */
  readonly env: Record<string, string>;
  readonly settings: ProvisionerSettings;
  readonly log: ProvisionLog;
  readonly signal: AbortSignal;
  /** Waits that honour {@link signal}; tests shorten them through the retry settings, not this. */
  sleep(ms: number): Promise<void>;
}

/** Host path of a container path under the run's root. */
export function hostPath(rt: Pick<ProvisionRuntime, "root">, containerPath: string): string {
  return instancePath(containerPath, rt.root);
}

/** Values of variables whose names say they are secrets, longest first, for {@link redact}. */
function secretValues(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /TOKEN|KEY|PASSWORD|SECRET/i.test(k) && v.length >= 6)
    .map(([, v]) => v)
    .sort((a, b) => b.length - a.length);
}

/** Options of {@link createProvisionLog}. */
export interface ProvisionLogOptions {
  /** Host path of the provisioning log file (created with its directory). */
  readonly file: string;
  /** Where progress lines go besides the file (the boot log, or stdout for a portal job). */
  readonly sink: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Secret values in it are replaced with `***` in every line and output chunk. */
  readonly env: Readonly<Record<string, string>>;
  /** Defaults to process.stdout. */
  readonly out?: NodeJS.WritableStream;
}

/** A {@link ProvisionLog}: progress lines prefixed `provisioning:` in the sink and `>>> ` in the file. */
export function createProvisionLog(options: ProvisionLogOptions): ProvisionLog {
  const secrets = secretValues(options.env);
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join("***"), text);
  const out = options.out ?? process.stdout;
  let fileOk = true;
  const append = (text: string) => {
    if (!fileOk) return;
    try {
      fs.mkdirSync(path.dirname(options.file), { recursive: true });
      fs.appendFileSync(options.file, text);
    } catch {
      // An unwritable log must not fail provisioning; the sink still has the progress.
      fileOk = false;
    }
  };
  const line = (level: "info" | "warn" | "error", message: string) => {
    const text = redact(message);
    options.sink[level](`provisioning: ${text}`);
    append(`>>> ${new Date().toISOString()} ${level === "info" ? "" : `${level.toUpperCase()} `}${text}\n`);
  };
  return {
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m) => line("error", m),
    output(chunk) {
      const text = redact(chunk.toString());
      out.write(text);
      append(text);
    },
  };
}
