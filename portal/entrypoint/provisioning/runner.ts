/**
 * Runs a manifest (instance-runtime.md §1.3): load and validate it, then the phases in order. Each
 * phase's inputs are hashed (SHA-256 of its name and inputs) into `<state dir>/<phase>.hash` when it
 * succeeds, so an unchanged phase is skipped on the next run and a changed or failed one runs
 * again. A failed run is retried whole `on_failure.max_retries` times, `retry_delay` apart (the done
 * phases skip by their hash); then the webhook is called and `on_failure.action` applied.
 * Progress goes to the sink (the boot log) and the provisioning log; the state of the run to
 * /.provisioning_status.json (portal/provisioning-status.ts), which says "running" meanwhile.
 * @module
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { writeProvisioningRun } from "../../index.ts";
import type { ProvisioningRun } from "../../index.ts";
import { readProvisionerSettings } from "./config.ts";
import type { ProvisionerSettings } from "./config.ts";
import { callWebhook, destroySelf } from "./failure.ts";
import { PHASES } from "./phases.ts";
import type { ProvisionPlan } from "./phases.ts";
import { createProvisionLog, hostPath } from "./runtime.ts";
import type { ProvisionLog, ProvisionRuntime } from "./runtime.ts";
import { describeSource, parseManifestText, planProvisioning, readManifestText } from "./source.ts";
import type { ManifestSource } from "./source.ts";

/** Default container path of the provisioning log (the portal's logs tab shows it). */
export const PROVISIONING_LOG = "/var/log/portal/provisioning.log";

/** Options of {@link runManifest}. */
export interface RunManifestOptions {
  /** Host path of the instance root. */
  readonly root: string;
  /** Environment of the run (the boot's working environment, or the portal's). */
  readonly env: Readonly<Record<string, string>>;
  readonly source: ManifestSource;
  /** Job id in the status file. */
  readonly job: string;
  /** Progress lines (the boot log; stdout for a portal job). */
  readonly sink: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Aborts the run (shutdown, time limit). Defaults to never. */
  readonly signal?: AbortSignal;
  /**
   * Sub-directory of the state directory for this run's hashes. The boot's manifest uses the state
   * directory itself; a portal job uses `api`, so a different manifest sent at run time does not
   * overwrite the boot manifest's hashes (and make its phases run again on the next boot).
   * Defaults to none.
   */
  readonly stateKey?: string;
}

/** How a run ended. */
export interface ProvisionOutcome {
  readonly ok: boolean;
  readonly phases: Readonly<Record<string, string>>;
  /** What failed, when it did. */
  readonly error?: string;
  /** The `on_failure` action applied (`continue` when the manifest could not even be read). */
  readonly action?: string;
}

/** SHA-256 of a phase's name and inputs. */
export function phaseHash(name: string, inputs: unknown): string {
  return createHash("sha256")
    .update(`${name}:${JSON.stringify(inputs)}`)
    .digest("hex");
}

/** Run a manifest to the end; never throws (the outcome says how it went). */
export async function runManifest(options: RunManifestOptions): Promise<ProvisionOutcome> {
  const env = { ...options.env };
  let settings: ProvisionerSettings;
  try {
    settings = readProvisionerSettings(env);
  } catch (err) {
    // A bad PROVISIONER_* value: nothing can run, but the status must still say so.
    const error = (err as Error).message;
    options.sink.error(`provisioning: ${error}`);
    const now = new Date().toISOString();
    const failed = {
      job: options.job,
      state: "failed",
      pid: process.pid,
      source: describeSource(options.source),
      started_at: now,
    } as const;
    await writeProvisioningRun(options.root, {
      ...failed,
      finished_at: now,
      attempt: 1,
      phases: {},
      error,
      log_file: PROVISIONING_LOG,
    }).catch(() => {});
    return { ok: false, phases: {}, error, action: "continue" };
  }
  const signal = options.signal ?? new AbortController().signal;
  const makeLog = (file: string) => createProvisionLog({ file: hostPath(options, file), sink: options.sink, env });
  let log: ProvisionLog = makeLog(settings.logFile ?? PROVISIONING_LOG);
  const rt: ProvisionRuntime = {
    root: options.root,
    env,
    settings,
    get log() {
      return log;
    },
    signal,
    sleep: (ms) => delay(ms, undefined, { signal }),
  };
  const phases: Record<string, string> = {};
  const sourceName = describeSource(options.source);
  let run: ProvisioningRun = {
    job: options.job,
    state: "running",
    pid: process.pid,
    source: sourceName,
    started_at: new Date().toISOString(),
    attempt: 1,
    phases,
    log_file: settings.logFile ?? PROVISIONING_LOG,
  };
  const save = async (patch: Partial<ProvisioningRun> = {}) => {
    run = { ...run, ...patch, phases: { ...phases } };
    await writeProvisioningRun(options.root, run).catch((err: Error) => log.warn(`could not write the status file: ${err.message}`));
  };
  await save();
  log.info(`job ${options.job}: manifest from ${sourceName}`);

  let plan: ProvisionPlan;
  try {
    const text = await readManifestText(rt, options.source);
    plan = await planProvisioning(rt, parseManifestText(text, sourceName), sourceName);
  } catch (err) {
    const error = (err as Error).message;
    log.error(`the manifest cannot run: ${error}`);
    await save({ state: "failed", error, finished_at: new Date().toISOString() });
    return { ok: false, phases, error, action: "continue" };
  }
  if (plan.manifest.settings.log_file !== run.log_file) {
    log = makeLog(plan.manifest.settings.log_file);
    await save({ log_file: plan.manifest.settings.log_file });
  }
  const { on_failure: onFailure } = plan.manifest;
  const stateDir = hostPath(rt, options.stateKey === undefined ? settings.stateDir : `${settings.stateDir}/${options.stateKey}`);
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });

  let errors: string[] = [];
  // Phases that succeeded in an earlier attempt of this run keep "ran" in the status when a retry skips them.
  const ranThisRun = new Set<string>();
  const attempts = 1 + onFailure.max_retries;
  for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
    errors = [];
    await save({ attempt });
    for (const phase of PHASES) {
      if (signal.aborted || (errors.length > 0 && onFailure.action !== "continue")) {
        phases[phase.name] = "not run";
        continue;
      }
      const inputs = phase.inputs(plan);
      if (inputs === undefined) {
        phases[phase.name] = "nothing to do";
        continue;
      }
      const hash = phaseHash(phase.name, inputs);
      const hashFile = `${stateDir}/${phase.name}.hash`;
      if ((await fs.readFile(hashFile, "utf8").catch(() => "")).trim() === hash) {
        phases[phase.name] = ranThisRun.has(phase.name) ? "ran" : "skipped (unchanged)";
        log.info(`phase ${phase.name}: skipped (unchanged since it last succeeded)`);
        await save();
        continue;
      }
      phases[phase.name] = "running";
      await save();
      log.info(`phase ${phase.name}: start`);
      const started = performance.now();
      try {
        const skipped = await phase.run(rt, plan);
        const took = ((performance.now() - started) / 1000).toFixed(1);
        if (typeof skipped === "string") {
          phases[phase.name] = skipped;
          log.warn(`phase ${phase.name}: ${skipped}`);
        } else {
          await fs.writeFile(hashFile, `${hash}\n`, { mode: 0o600 });
          phases[phase.name] = "ran";
          ranThisRun.add(phase.name);
          log.info(`phase ${phase.name}: done in ${took}s`);
        }
      } catch (err) {
        await fs.rm(hashFile, { force: true });
        const message = (err as Error).message;
        phases[phase.name] = `failed: ${message}`;
        errors.push(`${phase.name}: ${message}`);
        log.error(`phase ${phase.name}: failed: ${message}`);
      }
      await save();
    }
    if (errors.length === 0) break;
    if (attempt < attempts && !signal.aborted) {
      log.warn(`attempt ${attempt}/${attempts} failed (${errors.join("; ")}); retrying in ${onFailure.retry_delay}s`);
      await rt.sleep(onFailure.retry_delay * 1000).catch(() => {});
    }
  }
  if (signal.aborted && errors.length === 0) errors.push("stopped before the end");
  const ok = errors.length === 0;
  const error = ok ? undefined : errors.join("; ");
  const webhook = onFailure.webhook;
  const payload = {
    action: ok ? "success" : onFailure.action,
    status: ok ? ("complete" as const) : ("failed" as const),
    error: error ?? "",
    manifest: sourceName,
    container_id: settings.containerId ?? "",
    timestamp: new Date().toISOString(),
    phases: { ...phases },
  };
  await save({ state: ok ? "complete" : "failed", finished_at: new Date().toISOString(), ...(error !== undefined ? { error } : {}) });
  if (ok) {
    log.info(`job ${options.job}: complete`);
    if (webhook !== undefined && onFailure.webhook_on_success) await callWebhook(rt, webhook, payload);
    return { ok, phases };
  }
  log.error(`job ${options.job}: failed after ${attempts} attempt(s) (on_failure ${onFailure.action}): ${error}`);
  if (webhook !== undefined) await callWebhook(rt, webhook, payload);
  if (onFailure.action === "destroy") await destroySelf(rt);
  return { ok, phases, ...(error !== undefined ? { error } : {}), action: onFailure.action };
}
