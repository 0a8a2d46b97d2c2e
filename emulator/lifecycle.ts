/**
 * The instance state machine of vast-api.md §4.3, as timelines: each transition writes the list
 * of future states with absolute timestamps, and reads just pick the step that is due. Nothing
 * runs in the background, so the state is right after a restart on a state file, and changing
 * the timings only affects transitions that start afterwards.
 */
import type { LifecycleTimings } from "./config.ts";

/** One state an instance enters at `at` (epoch ms). */
export interface LifecycleStep {
  at: number;
  /** `actual_status`; null only while provisioning. */
  actual: string | null;
  /** `cur_state`: the contract's allocation. */
  cur: "running" | "stopped";
  status_msg: string | null;
}

export type Timeline = LifecycleStep[];

/** What the boot ends in: a running container or the daemon error of §4.2 "boot failed". */
export interface BootOutcome {
  image: string;
  runtype: string;
  fails: boolean;
}

/** The daemon error a failing container reports; it contains "OCI runtime" and "error" (§4.5 rule 2). */
const BOOT_FAILURE_MSG =
  'Error response from daemon: OCI runtime create failed: runc create failed: unable to start container process: exec: "/entrypoint.sh": permission denied: unknown';

/** The state due at `now`: the last step whose time has come (the first step before that). */
export function stateAt(timeline: Timeline, now: number): LifecycleStep {
  let current = timeline[0] as LifecycleStep;
  for (const step of timeline) if (step.at <= now) current = step;
  return current;
}

/** `"success, running pytorch/pytorch_latest/ssh"`: the image with its tag joined by `_` (§4.1). */
export function runningMessage({ image, runtype }: { image: string; runtype: string }): string {
  const lastSlash = image.lastIndexOf("/");
  const hasTag = image.slice(lastSlash + 1).includes(":");
  const shown = hasTag ? image.replace(/:([^:/]*)$/, "_$1") : `${image}_latest`;
  return `success, running ${shown}/${runtype.split(" ")[0] ?? "ssh"}`;
}

function loadThenRun(at: number, loadingMs: number, outcome: BootOutcome): Timeline {
  const end = at + loadingMs;
  return [
    { at, actual: "loading", cur: "running", status_msg: `Pulling image ${outcome.image}` },
    outcome.fails
      ? { at: end, actual: "exited", cur: "running", status_msg: BOOT_FAILURE_MSG }
      : { at: end, actual: "running", cur: "running", status_msg: runningMessage(outcome) },
  ];
}

/** A new rental: `created`, then `loading`, then `running` (or the boot failure). */
export function createTimeline(now: number, timings: LifecycleTimings, outcome: BootOutcome): Timeline {
  return [
    { at: now, actual: "created", cur: "running", status_msg: "Scheduling instance" },
    ...loadThenRun(now + timings.schedulingMs, timings.loadingMs, outcome),
  ];
}

/** A rental made with `target_state: "stopped"`: it waits in `created` / stopped (§4.3 last row). */
export function createdStoppedTimeline(now: number): Timeline {
  return [{ at: now, actual: "created", cur: "stopped", status_msg: "Created, not started (target_state stopped)" }];
}

/** A stop: the container keeps its state for `stoppingMs`, then `exited` (§4.2 "Stopped by the user"). */
export function stopTimeline(now: number, timings: LifecycleTimings, current: LifecycleStep): Timeline {
  return [
    { at: now, actual: current.actual, cur: "stopped", status_msg: "Stopping instance" },
    { at: now + timings.stoppingMs, actual: "exited", cur: "stopped", status_msg: "Exited (0), stopped by user" },
  ];
}

/**
 * A start after a stop: the GPU is scheduled for `startingMs` (shown as `loading` with cur_state
 * still `stopped`, §4.2 "Scheduling"), then the image loads and the container runs.
 */
export function startTimeline(now: number, timings: LifecycleTimings, outcome: BootOutcome): Timeline {
  return [
    { at: now, actual: "loading", cur: "stopped", status_msg: "Scheduling: waiting for the GPU" },
    ...loadThenRun(now + timings.startingMs, timings.loadingMs, outcome),
  ];
}

/** A reboot keeps the GPU: `rebooting`, then `running` (§3.4). */
export function rebootTimeline(now: number, timings: LifecycleTimings, outcome: BootOutcome): Timeline {
  return [
    { at: now, actual: "rebooting", cur: "running", status_msg: "Rebooting" },
    outcome.fails
      ? { at: now + timings.rebootMs, actual: "exited", cur: "running", status_msg: BOOT_FAILURE_MSG }
      : { at: now + timings.rebootMs, actual: "running", cur: "running", status_msg: runningMessage(outcome) },
  ];
}

/** A recycle pulls the image again and recreates the container, keeping the GPU (§3.4). */
export function recycleTimeline(now: number, timings: LifecycleTimings, outcome: BootOutcome): Timeline {
  return loadThenRun(now, timings.loadingMs, outcome);
}
