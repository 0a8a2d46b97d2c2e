/**
 * Sourcing shell files into the boot environment. The original boot shell *sources* its stages and
 * /etc/environment, so their `export`s reach every later stage and supervisord; we get the same
 * effect by sourcing in a bash child and reading back its environment with `env -0`.
 * @module
 */
import { spawn } from "node:child_process";

/** Variables bash sets on its own; they are not carried back from a sourced file. */
const SHELL_OWN = new Set(["_", "SHLVL", "PWD", "OLDPWD"]);

/** Result of {@link sourceFiles}. */
export interface SourceResult {
  /** The environment after sourcing, or undefined when the shell exited before dumping it (an `exit` in a file). */
  readonly env: Record<string, string> | undefined;
  /** Exit status of the last sourced file (or of the shell when `env` is undefined). */
  readonly status: number;
  /** What the files printed (stdout and stderr). */
  readonly output: string;
}

/** Options of {@link sourceFiles}. */
export interface SourceOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** `set -a` around the files, so plain assignments are exported too (as for /etc/environment). */
  readonly allExport?: boolean;
  readonly signal?: AbortSignal;
}

/** Source `files` (skipping unreadable ones) in one bash and return the resulting environment. */
export function sourceFiles(files: readonly string[], options: SourceOptions): Promise<SourceResult> {
  const script = [
    options.allExport === true ? "set -a" : "",
    "status=0",
    'for f in "$@"; do if [ -r "$f" ]; then . "$f" 1>&2; status=$?; fi; done',
    options.allExport === true ? "set +a" : "",
    'printf "\\0__ENV__\\0"; env -0; exit $status',
  ].join("\n");
  return new Promise((resolve, reject) => {
    // Its own process group: on abort the whole group goes, not just bash, so nothing a hook
    // started keeps the output pipes (and the boot) waiting.
    const child = spawn("bash", ["-c", script, "boot-source", ...files], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    options.signal?.addEventListener("abort", kill, { once: true });
    if (options.signal?.aborted === true) kill();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, sig) => {
      options.signal?.removeEventListener("abort", kill);
      const stdout = Buffer.concat(out).toString("utf8");
      const marker = stdout.indexOf("\0__ENV__\0");
      const printed = (marker >= 0 ? stdout.slice(0, marker) : stdout) + Buffer.concat(err).toString("utf8");
      const status = code ?? (sig !== null ? 128 : 1);
      if (marker < 0) {
        resolve({ env: undefined, status, output: printed });
        return;
      }
      const env: Record<string, string> = {};
      for (const entry of stdout.slice(marker + "\0__ENV__\0".length).split("\0")) {
        const eq = entry.indexOf("=");
        if (eq <= 0) continue;
        const key = entry.slice(0, eq);
        if (SHELL_OWN.has(key) && options.env[key] === undefined) continue;
        env[key] = SHELL_OWN.has(key) ? (options.env[key] as string) : entry.slice(eq + 1);
      }
      resolve({ env, status, output: printed });
    });
  });
}
