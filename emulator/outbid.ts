/**
 * Outbidding an interruptible (bid) instance, as a test knob: someone bids more for its GPU. Per
 * vast-api.md §4.2 "Interruptible outbid", the instance moves to stopped without being destroyed
 * (storage keeps billing): `actual_status` `exited`, `intended_status` still `running`, `cur_state`
 * `stopped`. Its offer now belongs to the higher bidder, so it stays out of search even after the
 * instance is destroyed. A start leaves it waiting; a new bid above the higher one (`PUT
 * /instances/bid_price/{id}/`) takes the GPU back and boots it again.
 */
import type { EmulatorState } from "./context.ts";
import type { InstanceRecord } from "./db.ts";
import { ApiError } from "./errors.ts";
import { knownSteps } from "./instance-control.ts";
import { type LifecycleStep, startTimeline, stateAt } from "./lifecycle.ts";

/** The step an outbid instance sits in; the message is ours, as Vast's is undocumented. */
function outbidStep(now: number, higher: number): LifecycleStep {
  return { at: now, actual: "exited", cur: "stopped", status_msg: `Outbid: a bid of $${higher}/hr took the GPU; raise the bid to resume` };
}

/**
 * Outbids `record`: by default at 10 % over its bid. Refused (400) for an on-demand instance or a
 * `higher` price that does not beat its bid.
 */
export function outbid(state: EmulatorState, record: InstanceRecord, now: number, higher?: number): number {
  const bid = record.config.price;
  if (bid === null)
    throw new ApiError(400, { success: false, error: "not_a_bid", msg: `Instance ${record.id} is on-demand: it cannot be outbid.` });
  const price = higher ?? Math.round(bid * 1.1 * 10_000 + 1) / 10_000;
  if (!(price > bid)) throw new ApiError(400, { success: false, error: "invalid_price", msg: `A bid of ${price} does not beat ${bid}.` });
  state.db.setConfig(record.id, { ...record.config, outbidBy: price });
  state.db.setLifecycle(record.id, "running", [...record.timeline.filter((s) => s.at <= now), outbidStep(now, price)]);
  state.db.giveOfferAway(record.offerId);
  state.containers?.run("stop", record.id);
  return price;
}

/** Whether a start must wait: the instance is outbid and its bid still loses. */
export function stillOutbid(record: InstanceRecord): boolean {
  return record.config.outbidBy !== undefined && (record.config.price ?? 0) <= record.config.outbidBy;
}

/** After a new bid: one that beats the higher bid clears the outbid state and boots the instance again. */
export function rebid(state: EmulatorState, record: InstanceRecord, price: number, now: number): void {
  const config = { ...record.config, price };
  if (config.outbidBy === undefined || price <= config.outbidBy) {
    state.db.setConfig(record.id, config);
    return;
  }
  delete config.outbidBy;
  state.db.setConfig(record.id, config);
  if (record.intendedStatus !== "running" || stateAt(record.timeline, now).actual === "running") return;
  const timeline = startTimeline(now, state.timings, { image: config.image, runtype: config.runtype, fails: false });
  state.db.setLifecycle(record.id, "running", knownSteps(state, timeline));
  state.containers?.run("start", record.id);
}
