/**
 * The most a stack's instances may cost together, in $/hour: what its tagged instances cost as
 * rented (read once per `up` from the instance list, instance-tag.ts), plus what the creates of
 * this `up` have reserved. A rent that would go over is refused before anything is rented. The
 * check and the reservation happen without an await in between, so concurrent creates cannot
 * overshoot together.
 */
import type { VastClient } from "./client.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { stackTagOf, type InstanceOwner } from "./instance-tag.ts";

/** Cents of cents: prices are summed as integers so $0.1 + $0.2 is not $0.30000000000000004. */
const toUnits = (dollars: number) => Math.round(dollars * 10_000);
const dollars = (units: number) => `$${(units / 10_000).toFixed(4).replace(/0{1,2}$/, "")}`;

export class StackSpend {
  readonly #running: Promise<number>;
  #reserved = 0;

  /** Starts reading what the stack's live instances cost. */
  constructor(client: VastClient, owner: Pick<InstanceOwner, "project" | "stack">) {
    this.#running = client
      .listInstances()
      .then((instances) =>
        instances.reduce((sum, instance) => (stackTagOf(instance.label, owner) ? sum + toUnits(instance.dph_total ?? 0) : sum), 0),
      );
  }

  /**
   * Reserves `price` $/hour under `cap` for a rent about to be made, or throws `VAST_BUDGET_EXCEEDED`
   * naming the current total, the price and the cap. Resolves a function that gives the reservation back.
   */
  async reserve(what: string, stack: string, price: number, cap: number): Promise<() => void> {
    const running = await this.#running;
    const current = running + this.#reserved;
    const units = toUnits(price);
    if (current + units > toUnits(cap)) {
      throw new VastError(
        VastErrorCode.budgetExceeded,
        `renting ${what} at ${dollars(units)}/h would bring stack ${stack} to ${dollars(current + units)}/h, above its budget of ${dollars(toUnits(cap))}/h (running and being rented now: ${dollars(current)}/h); nothing was rented. Raise the budget or rent fewer or cheaper instances.`,
      );
    }
    this.#reserved += units;
    let released = false;
    return () => {
      if (!released) this.#reserved -= units;
      released = true;
    };
  }
}
