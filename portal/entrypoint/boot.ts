/**
 * The boot sequence and its one shutdown path (style.md rule 12, after close-with-grace).
 *
 * Steps run in order, each under a time limit; a failed step is logged and recorded and the boot
 * goes on. Then the entrypoint waits on supervisord and exits with its status. The first SIGTERM or
 * SIGINT aborts the boot and is forwarded to supervisord, which gets SHUTDOWN_GRACE_SECONDS to
 * stop its programs; a second signal, or the grace running out, kills it and exits 1 with the
 * reason on stderr.
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import { instancePath, instanceRoot } from "../index.ts";
import { parseBootFlags, settleBootSettings, snapshotEnv } from "./config.ts";
import type { BootContext } from "./context.ts";
import { createBootLog } from "./log.ts";
import { runStep } from "./step.ts";
import type { BootStep } from "./step.ts";
import { bootHookStep, listBootHooks } from "./steps/boot-hooks.ts";
import { environmentStep } from "./steps/environment.ts";
import { hydrateWorkspaceStep } from "./steps/hydrate-workspace.ts";
import { jupyterModeStep } from "./steps/jupyter-mode.ts";
import { logDirsStep } from "./steps/log-dirs.ts";
import { portalConfigStep } from "./steps/portal-config.ts";
import { provisioningLockStep, provisioningUnlockStep } from "./steps/provisioning-lock.ts";
import { provisioningStep } from "./steps/provisioning.ts";
import { sshKeysStep } from "./steps/ssh-keys.ts";
import { supervisordStep } from "./steps/supervisord.ts";
import { tlsStep } from "./steps/tls.ts";

/** The built-in steps, in boot order (seed README "Applications & Startup"; instance-runtime.md §1.2). */
export const BUILTIN_STEPS: readonly BootStep[] = [
  jupyterModeStep,
  environmentStep,
  provisioningLockStep,
  sshKeysStep,
  hydrateWorkspaceStep,
  portalConfigStep,
  tlsStep,
  supervisordStep,
  provisioningStep,
  provisioningUnlockStep,
];

/** Options of {@link runBoot}. */
export interface RunBootOptions {
  /** Arguments after `boot` (flags of §1.1). */
  readonly argv?: readonly string[];
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Listen for SIGTERM/SIGINT on this process. Defaults to true. */
  readonly handleSignals?: boolean;
  /** Replaces {@link BUILTIN_STEPS} (tests). Boot hooks and `log-dirs` always run first. */
  readonly steps?: readonly BootStep[];
  /** Receives the context once built (tests inspect it). */
  readonly onContext?: (ctx: BootContext) => void;
}

function signalExitCode(sig: NodeJS.Signals | null, code: number | null): number {
  if (code !== null) return code;
  return 128 + (sig !== null ? (osConstants.signals[sig] ?? 0) : 0);
}

/** Run the whole boot, then wait on supervisord. Resolves with the exit status for the process. */
export async function runBoot(options: RunBootOptions = {}): Promise<number> {
  const env = snapshotEnv(options.env ?? process.env);
  const root = instanceRoot(env);
  const log = createBootLog({ file: instancePath("/var/log/portal/boot.log", root) });
  const flags = parseBootFlags(options.argv ?? []);
  for (const flag of flags.unknown) log.warn(`unknown argument ${JSON.stringify(flag)} ignored`);
  const settings = settleBootSettings(env, (message) => log.error(message));
  const ctx: BootContext = { root, env, settings, flags, log, failures: [], background: [] };
  options.onContext?.(ctx);

  const stop = new AbortController();
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let signals = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    const child = ctx.supervisord;
    if (signals > 1) {
      process.stderr.write(`[boot] second ${sig}: killing supervisord and exiting now\n`);
      child?.kill("SIGKILL");
      finish(1);
      return;
    }
    log.info(`${sig} received: stopping${child !== undefined ? ` supervisord (up to ${settings.shutdownGraceMs / 1000}s)` : " the boot"}`);
    stop.abort();
    if (child === undefined || child.exitCode !== null) return;
    child.kill(sig);
    graceTimer = setTimeout(() => {
      process.stderr.write(`[boot] supervisord did not stop within ${settings.shutdownGraceMs / 1000}s of ${sig}: killing it\n`);
      child.kill("SIGKILL");
      finish(1);
    }, settings.shutdownGraceMs);
    graceTimer.unref();
  };
  if (options.handleSignals !== false) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }

  try {
    const started = performance.now();
    log.info(`boot start (root ${root})`);
    const steps: BootStep[] = [logDirsStep, ...(await listBootHooks(ctx)).map(bootHookStep), ...(options.steps ?? BUILTIN_STEPS)];
    for (const step of steps) {
      if (stop.signal.aborted) break;
      await runStep(ctx, step, settings.stepTimeoutMs, stop.signal);
    }
    const failed = ctx.failures.map((f) => f.step);
    log.info(
      `boot ${stop.signal.aborted ? "stopped" : "complete"} in ${((performance.now() - started) / 1000).toFixed(1)}s; ${failed.length === 0 ? "all steps ok" : `failed steps: ${failed.join(", ")}`}`,
    );

    const child: ChildProcess | undefined = ctx.supervisord;
    if (child === undefined) {
      if (stop.signal.aborted) return 0;
      log.error("supervisord is not running: no services to wait on; exiting");
      return 1;
    }
    if (stop.signal.aborted && child.exitCode === null && graceTimer === undefined) {
      // The signal arrived while supervisord was starting: forward it now.
      signals = 0;
      onSignal("SIGTERM");
    }
    if (child.exitCode !== null || child.signalCode !== null) return signalExitCode(child.signalCode, child.exitCode);
    log.info(`waiting on supervisord (pid ${child.pid})`);
    child.once("exit", (code, sig) => {
      log.info(`supervisord exited (${sig ?? code})`);
      finish(signalExitCode(sig, code));
    });
    return await finished;
  } finally {
    clearTimeout(graceTimer);
    if (options.handleSignals !== false) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  }
}
