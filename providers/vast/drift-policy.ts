/**
 * What `up` and `refresh` do about an instance changed outside Pulumi (issue 12 item 2): one that
 * was stopped (by itself, such as an idle autostop with its own key, or in the console) while its
 * inputs want it running, and one that was destroyed. Each `VastInstance` carries a policy for
 * both; the defaults start and recreate, as the provider always did. Pure: no I/O.
 */
import { z } from "zod";
import type { Instance } from "./schemas.ts";

/** What to do with an instance found stopped while its inputs want it running. */
export const WhenStopped = {
  /** Start it again on the next `up` (the default). */
  start: "start",
  /** Leave it stopped: `up` records it (`status`, `drift`) and never starts it on its own. */
  leave: "leave",
} as const;
export type WhenStopped = (typeof WhenStopped)[keyof typeof WhenStopped];

/** What to do with an instance found destroyed. */
export const WhenDestroyed = {
  /** Rent a new one in its place on the next `up` (the default). */
  recreate: "recreate",
  /** Rent nothing: the stack keeps the resource with `status: "destroyed"` until the policy or inputs change. */
  leave: "leave",
} as const;
export type WhenDestroyed = (typeof WhenDestroyed)[keyof typeof WhenDestroyed];

export const WhenStoppedInput = z.enum([WhenStopped.start, WhenStopped.leave]).default(WhenStopped.start);
export const WhenDestroyedInput = z.enum([WhenDestroyed.recreate, WhenDestroyed.leave]).default(WhenDestroyed.recreate);

/** A change made outside Pulumi that the instance's policy left in place; null while there is none. */
export interface InstanceDrift {
  /** `stopped`: found stopped while it should run; `destroyed`: found gone. */
  found: "stopped" | "destroyed";
  /** When an `up` or `refresh` first saw it (ISO 8601). */
  seenAt: string;
  /** What to run to undo it. */
  remedy: string;
}

/** The policy fields and what a provider knows of the instance before acting. */
interface PolicyView {
  state: "running" | "stopped";
  whenStopped: WhenStopped;
  whenDestroyed: WhenDestroyed;
  drift?: InstanceDrift | null;
}

/** Stopped on Vast (a stop was asked for, by anyone) while the inputs want it running. */
export function stoppedAgainstInputs(instance: Instance, wanted: "running" | "stopped"): boolean {
  return wanted === "running" && instance.intended_status === "stopped";
}

/**
 * True when the instance stopped outside Pulumi and `whenStopped: leave` keeps it so: the inputs
 * wanted it running before and still do (a user who changes `state` to `running` starts it).
 */
export function leavesStopped(instance: Instance, olds: Pick<PolicyView, "state">, news: PolicyView): boolean {
  return news.whenStopped === WhenStopped.leave && olds.state === "running" && stoppedAgainstInputs(instance, news.state);
}

/** The drift record for what was found, keeping the first sighting's time. */
export function driftFound(found: InstanceDrift["found"], olds: Pick<PolicyView, "drift">, now = new Date()): InstanceDrift {
  const remedy =
    found === "stopped"
      ? "set whenStopped to start (or start it on Vast) and run `pulumi up`"
      : "set whenDestroyed to recreate and run `pulumi up`, or remove the resource";
  return { found, seenAt: olds.drift?.found === found ? olds.drift.seenAt : now.toISOString(), remedy };
}
