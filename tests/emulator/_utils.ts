/**
 * Shared setup for the emulator tests: an emulator per test with short lifecycle timings, a small
 * JSON client over real loopback HTTP, and a bounded poll.
 */
import type { TestContext } from "node:test";
import { request } from "undici";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../emulator/index.ts";

export const API_KEY = "emulator-test-key-5f2c";

/** Timings short enough for tests, long enough to observe each state. */
export const FAST_TIMINGS = { schedulingMs: 80, loadingMs: 150, stoppingMs: 80, startingMs: 80, rebootMs: 80 };

/**
 * Starts an emulator with `FAST_TIMINGS` and closes it when the test ends. Route tests call
 * endpoints back to back, so the documented rate limits are off unless a test turns them on
 * (rate-limits.test.ts does).
 */
export async function emulatorFor(t: TestContext, options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, rateLimits: false, ...options });
  t.after(() => emulator.close());
  return emulator;
}

/** An answer as the tests look at it. */
export interface Answer {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  body: any;
}

/** Options of `call`. */
export interface CallOptions {
  body?: unknown;
  /** Defaults to the test key; null sends no Authorization header. */
  key?: string | null;
}

/** One API call; the path is appended to the emulator URL as is. */
export async function call(emulator: { url: string }, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const key = options.key === undefined ? API_KEY : options.key;
  const headers: Record<string, string> = {};
  if (key !== null) headers["authorization"] = `Bearer ${key}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(options.body);
  }
  const res = await request(`${emulator.url}${path}`, { method: method as "GET", headers, body: payload });
  const text = await res.body.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const contentType = res.headers["content-type"];
  return {
    status: res.statusCode,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    headers: res.headers,
    text,
    body,
  };
}

/** Polls `probe` every `intervalMs` until it returns a value, failing after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The cheapest rentable offer matching `filters`. */
export async function cheapestOffer(emulator: { url: string }, filters: Record<string, unknown> = {}): Promise<any> {
  const res = await call(emulator, "POST", "/api/v0/bundles/", { body: { ...filters, order: [["dph_total", "asc"]], limit: 1 } });
  const offer = res.body?.offers?.[0];
  if (!offer) throw new Error(`no offer matches ${JSON.stringify(filters)}`);
  return offer;
}

/** Rents `offerId` with `body` (image defaults to pytorch/pytorch) and returns the instance id. */
export async function rent(emulator: { url: string }, offerId: number, body: Record<string, unknown> = {}): Promise<number> {
  const res = await call(emulator, "PUT", `/api/v0/asks/${offerId}/`, {
    body: { client_id: "me", image: "pytorch/pytorch", disk: 10, ...body },
  });
  if (res.status !== 200) throw new Error(`rent ${offerId} answered ${res.status}: ${res.text}`);
  return res.body.new_contract as number;
}

/** The single read's `instances` field (an object, or null once gone). */
export async function showInstance(emulator: { url: string }, id: number): Promise<any> {
  return (await call(emulator, "GET", `/api/v0/instances/${id}/?owner=me`)).body.instances;
}

/** Waits until the instance's `actual_status` is `status`. */
export async function waitForStatus(emulator: { url: string }, id: number, status: string, timeoutMs = 5000): Promise<any> {
  return waitFor(
    `instance ${id} to be ${status}`,
    async () => {
      const instance = await showInstance(emulator, id);
      return instance?.actual_status === status ? instance : undefined;
    },
    timeoutMs,
  );
}
