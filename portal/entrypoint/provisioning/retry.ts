/**
 * Retries with exponential backoff for network work (downloads, clones, package installs;
 * `settings.retry` of the manifest) and a bounded pool for parallel work.
 * @module
 */
import type { ProvisionRuntime } from "./runtime.ts";

/** How often and how patiently to try. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Delay before the first retry, in ms. */
  readonly initialDelayMs: number;
  /** Factor between successive delays. */
  readonly multiplier: number;
}

/** Run `fn` until it succeeds or `policy.attempts` tries have failed; each failure is logged with the wait that follows. */
export async function withRetry<T>(
  rt: ProvisionRuntime,
  what: string,
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || rt.signal.aborted) throw err;
      rt.log.warn(
        `${what}: try ${attempt}/${policy.attempts} failed (${(err as Error).message}); retrying in ${(delay / 1000).toFixed(1)}s`,
      );
      await rt.sleep(delay);
      delay *= policy.multiplier;
    }
  }
}

/** Run `fn` over `items` with at most `limit` at once; resolves when all have settled, in item order. */
export async function inPool<T, R>(
  limit: number,
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await fn(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The first rejection of settled results as one error listing every failure, or nothing when all succeeded. */
export function firstFailure(results: readonly PromiseSettledResult<unknown>[], what: string): Error | undefined {
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length === 0) return undefined;
  const messages = failed.map((r) => (r.reason as Error).message);
  return new Error(`${failed.length} of ${results.length} ${what} failed: ${messages.join("; ")}`, { cause: failed[0]?.reason });
}
