/**
 * State changes asked of an existing instance (vast-api.md §3.4), shared by the single and bulk
 * routes: each computes the new timeline from the state due now (§4.3) and stores it.
 */
import type { EmulatorState } from "./context.ts";
import type { InstanceRecord } from "./db.ts";
import type { ContainerOp } from "./instance-containers.ts";
import { stillOutbid } from "./outbid.ts";
import { type BootOutcome, type Timeline, rebootTimeline, recycleTimeline, startTimeline, stateAt, stopTimeline } from "./lifecycle.ts";

function bootOutcome(record: InstanceRecord): BootOutcome {
  const { image, runtype } = record.config;
  return { image, runtype, fails: image.toLowerCase().includes("fail") };
}

/** The part of a transition known ahead: all of it, or in Docker mode only its first state (the container reports the rest). */
export function knownSteps(state: EmulatorState, timeline: Timeline): Timeline {
  return state.containers ? timeline.slice(0, 1) : timeline;
}

function transition(state: EmulatorState, id: number, intended: "running" | "stopped", timeline: Timeline, op: ContainerOp): void {
  state.db.setLifecycle(id, intended, knownSteps(state, timeline));
  state.containers?.run(op, id);
}

/**
 * Applies `{"state": "running" | "stopped"}`. Stopping a stopped instance and starting a healthy
 * one change nothing; starting a crashed one (`exited`, intended running) boots it again, the
 * "nudge" of §4.2.
 */
export function changeState(state: EmulatorState, record: InstanceRecord, wanted: "running" | "stopped", now: number): void {
  const current = stateAt(record.timeline, now);
  if (wanted === "stopped") {
    if (record.intendedStatus === "stopped") return;
    transition(state, record.id, "stopped", stopTimeline(now, state.timings, current), "stop");
    return;
  }
  if (record.intendedStatus === "running" && current.actual !== "exited") return;
  // An outbid instance waits for its GPU until its bid wins again (outbid.ts).
  if (stillOutbid(record)) {
    state.db.setLifecycle(record.id, "running", record.timeline);
    return;
  }
  transition(state, record.id, "running", startTimeline(now, state.timings, bootOutcome(record)), "start");
}

/** `rebooting`, then `running`; the GPU is kept (§3.4). Only a running contract can reboot. */
export function reboot(state: EmulatorState, record: InstanceRecord, now: number): void {
  if (record.intendedStatus !== "running") return;
  transition(state, record.id, "running", rebootTimeline(now, state.timings, bootOutcome(record)), "reboot");
}

/** Recreates the container from a fresh pull: `loading`, then `running` (§3.4). */
export function recycle(state: EmulatorState, record: InstanceRecord, now: number): void {
  transition(state, record.id, "running", recycleTimeline(now, state.timings, bootOutcome(record)), "recycle");
}
