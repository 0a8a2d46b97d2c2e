/**
 * State changes asked of an existing instance (vast-api.md §3.4), shared by the single and bulk
 * routes: each computes the new timeline from the state due now (§4.3) and stores it.
 */
import type { EmulatorState } from './context.ts';
import type { InstanceRecord } from './db.ts';
import { type BootOutcome, rebootTimeline, recycleTimeline, startTimeline, stateAt, stopTimeline } from './lifecycle.ts';

function bootOutcome(record: InstanceRecord): BootOutcome {
  const { image, runtype } = record.config;
  return { image, runtype, fails: image.toLowerCase().includes('fail') };
}

/**
 * Applies `{"state": "running" | "stopped"}`. Stopping a stopped instance and starting a healthy
 * one change nothing; starting a crashed one (`exited`, intended running) boots it again, the
 * "nudge" of §4.2.
 */
export function changeState(state: EmulatorState, record: InstanceRecord, wanted: 'running' | 'stopped', now: number): void {
  const current = stateAt(record.timeline, now);
  if (wanted === 'stopped') {
    if (record.intendedStatus === 'stopped') return;
    state.db.setLifecycle(record.id, 'stopped', stopTimeline(now, state.timings, current));
    return;
  }
  if (record.intendedStatus === 'running' && current.actual !== 'exited') return;
  state.db.setLifecycle(record.id, 'running', startTimeline(now, state.timings, bootOutcome(record)));
}

/** `rebooting`, then `running`; the GPU is kept (§3.4). Only a running contract can reboot. */
export function reboot(state: EmulatorState, record: InstanceRecord, now: number): void {
  if (record.intendedStatus !== 'running') return;
  state.db.setLifecycle(record.id, 'running', rebootTimeline(now, state.timings, bootOutcome(record)));
}

/** Recreates the container from a fresh pull: `loading`, then `running` (§3.4). */
export function recycle(state: EmulatorState, record: InstanceRecord, now: number): void {
  state.db.setLifecycle(record.id, 'running', recycleTimeline(now, state.timings, bootOutcome(record)));
}
