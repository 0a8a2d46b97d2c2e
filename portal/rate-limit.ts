/**
 * Per-client limit on failed authentication attempts: a token bucket per
 * client key, so a guesser is slowed down without making anyone else slow
 * (issue 5, Auth). Memory is bounded by evicting the oldest buckets.
 * @module
 */

/** Options of {@link FailureLimiter}. */
export interface FailureLimiterOptions {
  /** Failed attempts allowed in a burst. Defaults to 10. */
  readonly burst?: number;
  /** Milliseconds to earn back one attempt. Defaults to 3000. */
  readonly refillMs?: number;
  /** Clients tracked at most; the oldest are forgotten first. Defaults to 10 000. */
  readonly maxClients?: number;
  /** Clock. Defaults to `Date.now`. */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** Counts failed attempts per client and says when a client must wait. */
export class FailureLimiter {
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: FailureLimiterOptions = {}) {
    this.#burst = options.burst ?? 10;
    this.#refillMs = options.refillMs ?? 3000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds `client` must wait before another attempt is examined; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const bucket = this.#refill(client);
    if (bucket === undefined || bucket.tokens >= 1) return 0;
    return Math.ceil((1 - bucket.tokens) * this.#refillMs);
  }

  /** Record one failed attempt by `client`. */
  recordFailure(client: string): void {
    let bucket = this.#refill(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxClients) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      bucket = { tokens: this.#burst, updated: this.#now() };
    }
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Re-insert so Map order is least-recently-failed first.
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
  }

  #refill(client: string): Bucket | undefined {
    const bucket = this.#buckets.get(client);
    if (bucket === undefined) return undefined;
    const now = this.#now();
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updated) / this.#refillMs);
    bucket.updated = now;
    if (bucket.tokens >= this.#burst) {
      this.#buckets.delete(client);
      return undefined;
    }
    return bucket;
  }
}
