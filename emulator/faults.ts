/**
 * Run-time fault injection: the switches of `Faults` (config.ts), with their countdowns.
 * Set programmatically or through `PUT /_emulator/faults`; setting replaces everything.
 */
import type { Faults } from "./config.ts";
import { thresholdOf } from "./rate-limits.ts";

/** How a rate-limited call is answered: 429 with no Retry-After (§5.1). */
export interface RateLimitAnswer {
  plainText: boolean;
  threshold: string;
}

/** Holds the active faults and counts them down as they fire. */
export class FaultInjector {
  #faults: Faults = {};
  /** Calls per endpoint since the faults were set, for `every`. */
  #calls = new Map<string, number>();

  /** Replaces every fault (the counters of `every` restart too). */
  set(faults: Faults): void {
    this.#faults = structuredClone(faults);
    this.#calls.clear();
  }

  /** The faults still pending, with the counters as they are now. */
  get(): Faults {
    return structuredClone(this.#faults);
  }

  /** Extra delay for every API request. */
  latencyMs(): number {
    return this.#faults.latencyMs ?? 0;
  }

  /** Consumes a rate-limit hit for `endpoint`, or returns null when the call may pass. */
  rateLimit(endpoint: string): RateLimitAnswer | null {
    const rule = this.#faults.rateLimit?.[endpoint];
    if (!rule) return null;
    const call = (this.#calls.get(endpoint) ?? 0) + 1;
    this.#calls.set(endpoint, call);
    const answer = { plainText: rule.plainText ?? false, threshold: thresholdOf(endpoint) };
    if (rule.next !== undefined && rule.next > 0) {
      rule.next--;
      return answer;
    }
    if (rule.every !== undefined && call % rule.every === 0) return answer;
    return null;
  }

  /** Consumes a 5xx for `endpoint`, returning its status, or null. */
  serverError(endpoint: string): 500 | 502 | 503 | null {
    const rule = this.#faults.serverError?.[endpoint];
    if (!rule || rule.next <= 0) return null;
    rule.next--;
    return rule.status ?? 500;
  }

  /** Milliseconds to wait before handling this request (fault `slowRequest`), counted down. */
  slowRequestMs(endpoint: string): number {
    return this.#takeDelay(this.#faults.slowRequest?.[endpoint]);
  }

  /** Milliseconds to hold this request's answer after it was handled (fault `slowAnswer`), counted down. */
  slowAnswerMs(endpoint: string): number {
    return this.#takeDelay(this.#faults.slowAnswer?.[endpoint]);
  }

  #takeDelay(rule: { next: number; ms: number } | undefined): number {
    if (!rule || rule.next <= 0) return 0;
    rule.next--;
    return rule.ms;
  }

  /** True (and counted down) when this create must commit but get no answer. */
  takeDropCreateResponse(): boolean {
    return this.#take(this.#faults.dropCreateResponse);
  }

  /** True (and counted down) when this create must find its offer taken. */
  takeOfferTakenOnRent(): boolean {
    return this.#take(this.#faults.offerTakenOnRent);
  }

  /** True (and counted down) when this new instance must die while loading. */
  takeDieWhileLoading(): boolean {
    return this.#take(this.#faults.dieWhileLoading);
  }

  /** True (and counted down) when this empty endpoint or workergroup list must answer the documented 400. */
  takeEmptyServerlessListAs400(): boolean {
    return this.#take(this.#faults.emptyServerlessListAs400);
  }

  #take(rule: { next: number } | undefined): boolean {
    if (!rule || rule.next <= 0) return false;
    rule.next--;
    return true;
  }
}

/** Counts API requests received (admin routes excluded), per endpoint key. */
export class RequestStats {
  #total = 0;
  #byEndpoint: Record<string, number> = {};

  record(endpoint: string): void {
    this.#total++;
    this.#byEndpoint[endpoint] = (this.#byEndpoint[endpoint] ?? 0) + 1;
  }

  snapshot(): { total: number; byEndpoint: Record<string, number> } {
    return { total: this.#total, byEndpoint: { ...this.#byEndpoint } };
  }

  reset(): void {
    this.#total = 0;
    this.#byEndpoint = {};
  }
}
