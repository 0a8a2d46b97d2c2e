/**
 * Outbid interruptible instances. A bid instance that someone outbids is not destroyed: it stops
 * (`actual_status` `exited`/`stopped`), `intended_status` stays `running` and `cur_state` is
 * `stopped` until its bid wins again; its storage keeps billing (vast-api.md §4.2 "Interruptible
 * outbid"). A start cannot bring it back, so `up` does not try: the policy says whether to keep
 * waiting or to rent the next offer under the price cap instead. Pure: no I/O.
 */
import { z } from "zod";
import type { Instance } from "./schemas.ts";

/**
 * What `up` does about an outbid instance: `wait` keeps it (it resumes when its bid wins again,
 * e.g. after raising `bidPrice`); `replace` rents the next offer matching `offer` (under its
 * `maxPricePerHour`) and destroys the outbid one.
 */
export const OutbidPolicy = z.enum(["wait", "replace"]);
export type OutbidPolicy = z.infer<typeof OutbidPolicy>;

/** Whether Vast shows `instance` as an outbid bid instance: it wants to run, and lost its GPU. */
export function isOutbid(instance: Instance): boolean {
  return (
    instance.is_bid === true &&
    instance.intended_status === "running" &&
    instance.cur_state === "stopped" &&
    (instance.actual_status ?? "") !== "running"
  );
}

/**
 * The properties that force a replacement of an outbid instance under `policy` (empty: keep
 * waiting), and the line to show beside the resource.
 */
export function outbidDrift(policy: OutbidPolicy): { replaces: string[]; message: string } {
  return policy === "replace"
    ? { replaces: ["whenOutbid"], message: "is outbid: whenOutbid is replace, so the next offer under the price cap replaces it" }
    : { replaces: [], message: "is outbid: whenOutbid is wait, so it is kept until its bid wins again (raise bidPrice to win sooner)" };
}
