/**
 * Client-side pacing, so that one `pulumi up` of a large fleet stays under Vast's documented rate
 * limits (vast-api.md §5.1) instead of collecting 429s. Each endpoint class gets a budget a little
 * under the documented threshold, read as requests per second with a small burst (the same reading
 * the emulator documents); requests beyond it wait their turn. A 429 from load we cannot see (the
 * CLI, another stack) is still handled by the client's retries.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** The endpoint classes Vast limits separately. */
export type PaceClass =
  "search" | "create" | "read" | "list" | "manage" | "destroy" | "template" | "account" | "volume" | "charges" | "serverless" | "team";

interface Budget {
  perSecond: number;
  burst: number;
}

/** About 90 % of each documented threshold (creates, the costly 429, 95 %); the offer search's "10 a minute" keeps half its burst spare. */
const budgets: Record<PaceClass, Budget> = {
  search: { perSecond: 9 / 60, burst: 5 },
  create: { perSecond: 4.3, burst: 4 },
  read: { perSecond: 1.8, burst: 2 },
  list: { perSecond: 0.9, burst: 2 },
  manage: { perSecond: 0.9, burst: 2 },
  destroy: { perSecond: 2.7, burst: 3 },
  template: { perSecond: 2.7, burst: 2 },
  account: { perSecond: 2.7, burst: 2 },
  volume: { perSecond: 4.9, burst: 3 },
  charges: { perSecond: 0.9, burst: 2 },
  // Endpoints and workergroups (vast-api-more.md §7): the lowest threshold among their calls is 2.0.
  serverless: { perSecond: 1.8, burst: 2 },
  // Teams, keys, subaccounts, clusters (vast-api-more.md §7): the API-key list's 1.0 is the tightest.
  team: { perSecond: 0.9, burst: 2 },
};

/**
 * A generic cell rate algorithm per class: each request reserves the next slot, so concurrent
 * callers are served in order without a queue.
 */
export class Pacer {
  readonly #theoreticalArrival = new Map<PaceClass, number>();

  /** Resolves when a request of `pace` may be sent. */
  async take(pace: PaceClass): Promise<void> {
    const { perSecond, burst } = budgets[pace];
    const interval = 1000 / perSecond;
    const now = Date.now();
    const arrival = Math.max(this.#theoreticalArrival.get(pace) ?? now, now);
    this.#theoreticalArrival.set(pace, arrival + interval);
    const wait = arrival - (burst - 1) * interval - now;
    if (wait > 0) await sleep(wait);
  }
}
