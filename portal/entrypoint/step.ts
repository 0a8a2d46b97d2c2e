/**
 * Runs one boot step: a start line, a time limit, an end line, and on failure a log line plus a
 * record in /var/log/vast_boot_failures. A failed step never stops the boot (instance-runtime.md
 * §1.1: the original discards every stage's status; we keep the record instead).
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { hostPath } from "./context.ts";
import type { BootContext } from "./context.ts";
import { PortalError } from "../index.ts";
import { EntrypointErrorCode } from "./errors.ts";

/** One named boot step. */
export interface BootStep {
  /** Short kebab-case name used in the log and the failure record. */
  readonly name: string;
  /** Time limit in ms. Defaults to the context's BOOT_STEP_TIMEOUT_SECONDS. */
  readonly timeoutMs?: number;
  /** The work. `signal` aborts on timeout or shutdown; long-running children must honour it. */
  run(ctx: BootContext, signal: AbortSignal): Promise<void>;
}

/** How a step ended. */
export type StepOutcome = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly ms: number; readonly error: Error };

/** Container path of the failure record (one line per failed step; test 15-boot-markers reads it). */
export const BOOT_FAILURES_PATH = "/var/log/vast_boot_failures";

/**
 * Run `step` under its time limit. Never throws: the outcome says how it went.
 * @param stop aborts the step early (shutdown); the step is then recorded as aborted.
 */
export async function runStep(ctx: BootContext, step: BootStep, defaultTimeoutMs: number, stop?: AbortSignal): Promise<StepOutcome> {
  const timeoutMs = step.timeoutMs ?? defaultTimeoutMs;
  const started = performance.now();
  const controller = new AbortController();
  const onStop = () => controller.abort(new PortalError(EntrypointErrorCode.stepAborted, `step ${step.name} aborted by shutdown`));
  stop?.addEventListener("abort", onStop, { once: true });
  if (stop?.aborted) onStop();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new PortalError(EntrypointErrorCode.stepTimeout, `step ${step.name} did not finish within ${timeoutMs / 1000}s`, {
        details: { step: step.name, timeoutMs },
      });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  ctx.log.info(`step ${step.name}: start`);
  try {
    await Promise.race([step.run(ctx, controller.signal), limit]);
    const ms = performance.now() - started;
    ctx.log.info(`step ${step.name}: done in ${(ms / 1000).toFixed(2)}s`);
    return { ok: true, ms };
  } catch (caught) {
    const ms = performance.now() - started;
    const error = caught instanceof Error ? caught : new Error(String(caught));
    const code = (error as { code?: unknown }).code;
    const codeText = typeof code === "string" ? code : "ERROR";
    ctx.log.error(`step ${step.name}: failed after ${(ms / 1000).toFixed(2)}s: ${error.message} (${codeText}); continuing`);
    ctx.failures.push({ step: step.name, code: codeText, message: error.message });
    await recordFailure(ctx, `${new Date().toISOString()} ${step.name} ${codeText}: ${error.message}\n`);
    return { ok: false, ms, error };
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener("abort", onStop);
    // Settle the limit promise's listeners without leaving an unhandled rejection behind.
    limit.catch(() => {});
    if (!controller.signal.aborted) controller.abort(new PortalError(EntrypointErrorCode.stepAborted, `step ${step.name} finished`));
  }
}

async function recordFailure(ctx: BootContext, line: string): Promise<void> {
  const file = hostPath(ctx, BOOT_FAILURES_PATH);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.appendFile(file, line);
  } catch (err) {
    ctx.log.warn(`could not append to ${file}: ${(err as Error).message}`);
  }
}
