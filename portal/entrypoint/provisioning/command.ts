/**
 * Running one shell command of a phase: bash in its own process group (so an abort stops
 * everything it started), output streamed to the provisioning log.
 * @module
 */
import { spawn } from "node:child_process";
import { PortalError } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";
import type { ProvisionRuntime } from "./runtime.ts";

/** Options of {@link runCommand}. */
export interface CommandOptions {
  /** Host path of the working directory. */
  readonly cwd: string;
  /** Added to the run's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Quote a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Run `script` with `bash -c`; resolves when it exits 0.
 * @throws {PortalError} `ENTRYPOINT_PROVISIONING_FAILED` with the status and the last output lines
 */
export function runCommand(rt: ProvisionRuntime, script: string, options: CommandOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], {
      cwd: options.cwd,
      env: { ...rt.env, ...options.env },
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
    rt.signal.addEventListener("abort", kill, { once: true });
    let tail = "";
    const sink = (chunk: Buffer) => {
      rt.log.output(chunk);
      tail = (tail + chunk.toString()).slice(-400);
    };
    child.stdout.on("data", sink);
    child.stderr.on("data", sink);
    child.once("error", (err) => {
      rt.signal.removeEventListener("abort", kill);
      reject(err);
    });
    child.once("close", (code, sig) => {
      rt.signal.removeEventListener("abort", kill);
      if (code === 0) return resolve();
      const last = tail.trim().split("\n").slice(-3).join(" | ");
      reject(
        new PortalError(
          EntrypointErrorCode.provisioningFailed,
          `command exited with ${sig ?? `status ${code}`}${last ? `: ${last}` : ""}`,
          {
            details: { status: code, signal: sig },
          },
        ),
      );
    });
  });
}
