/**
 * The emulator's configuration: options, lifecycle timings and faults, each one zod schema
 * validated at the boundary. The programmatic API, the CLI flags and the `/_emulator/` admin
 * routes all pass through here, and every issue is reported with its dotted path.
 */
import { z } from "zod";
import { InvalidOptionsError } from "./errors.ts";
import { ENDPOINT_KEYS } from "./routes/table.ts";

/** Delays of the instance state machine (vast-api.md §4.3), in milliseconds. */
export interface LifecycleTimings {
  /** `created` before `loading` after a create. Defaults to 1000. */
  schedulingMs: number;
  /** `loading` (image pull) before `running`. Defaults to 2000. */
  loadingMs: number;
  /** `running` before `exited` after a stop. Defaults to 1000. */
  stoppingMs: number;
  /** Scheduling the GPU again after a start, before the `loadingMs` phase. Defaults to 1000. */
  startingMs: number;
  /** `rebooting` before `running`. Defaults to 1000. */
  rebootMs: number;
  /** How long a volume stays in use after its instance is destroyed (Vast: about 30 s, §3.8). Defaults to 0. */
  volumeReleaseMs: number;
}

export const DEFAULT_TIMINGS: LifecycleTimings = {
  schedulingMs: 1000,
  loadingMs: 2000,
  stoppingMs: 1000,
  startingMs: 1000,
  rebootMs: 1000,
  volumeReleaseMs: 0,
};

const delayMs = z.number().int().min(0).max(3_600_000);

export const TimingsPatch = z.strictObject({
  schedulingMs: delayMs.optional(),
  loadingMs: delayMs.optional(),
  stoppingMs: delayMs.optional(),
  startingMs: delayMs.optional(),
  rebootMs: delayMs.optional(),
  volumeReleaseMs: delayMs.optional(),
});

const count = z.number().int().min(0);
const endpointKey = z.string().refine((key) => ENDPOINT_KEYS.includes(key), {
  message: `unknown endpoint key; expected "<METHOD> <route pattern>", one of the keys listed in emulator/README.md`,
});

/** Run-time fault switches. Every counter counts down as faults fire. */
export const Faults = z.strictObject({
  /** Extra delay added to every API request, on top of `EmulatorOptions.latencyMs`. */
  latencyMs: delayMs.optional(),
  /** 429 for the `next` N calls of an endpoint, and/or on every `every`-th call. */
  rateLimit: z
    .record(endpointKey, z.strictObject({ next: count.optional(), every: count.min(1).optional(), plainText: z.boolean().optional() }))
    .optional(),
  /** The next N calls of an endpoint answer a bare 5xx without doing anything. */
  serverError: z
    .record(endpointKey, z.strictObject({ next: count, status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional() }))
    .optional(),
  /** The next N calls of an endpoint wait `ms` before they are handled (the work itself happens late). */
  slowRequest: z.record(endpointKey, z.strictObject({ next: count, ms: delayMs })).optional(),
  /** The next N calls of an endpoint are handled at once, and answered `ms` later (a create commits, then answers late). */
  slowAnswer: z.record(endpointKey, z.strictObject({ next: count, ms: delayMs })).optional(),
  /** The next N `PUT /asks/{id}/` commit the instance, then drop the connection unanswered. */
  dropCreateResponse: z.strictObject({ next: count }).optional(),
  /** The next N `PUT /asks/{id}/` find their offer taken by someone else (410, gone from search). */
  offerTakenOnRent: z.strictObject({ next: count }).optional(),
  /** The next N created instances fail while loading (`exited` with a daemon error, §4.2). */
  dieWhileLoading: z.strictObject({ next: count }).optional(),
  /** The next N endpoint or workergroup lists that find none answer the documented 400 (vast-api-more.md §3.3). */
  emptyServerlessListAs400: z.strictObject({ next: count }).optional(),
});
export type Faults = z.infer<typeof Faults>;

/** Options of `startEmulator`. */
export const EmulatorOptions = z.strictObject({
  /** TCP port on 127.0.0.1. Defaults to 0, a random free port. */
  port: z.number().int().min(0).max(65535).optional(),
  /** The only API key accepted, as `Authorization: Bearer` or `?api_key=`. */
  apiKey: z.string().min(1),
  /** SQLite file holding the state. Defaults to in-memory. */
  statePath: z.string().min(1).optional(),
  /** Lifecycle delays; unset ones take `DEFAULT_TIMINGS`. */
  timings: TimingsPatch.optional(),
  /** Faults switched on from the start. Defaults to none. */
  faults: Faults.optional(),
  /**
   * Enforce the documented rate limits (rate-limits.ts): 429 with Vast's body once an endpoint's
   * budget for an identity is spent. Defaults to true; false for speed tests and route tests.
   */
  rateLimits: z.boolean().optional(),
  /** Delay added to every API request. Defaults to 0. */
  latencyMs: delayMs.optional(),
  /**
   * Docker mode: every running instance is a real container of its image, pulled from the
   * registry it names (instance-containers.ts). Needs an engine on `dockerSocket`.
   * Defaults to false: the lifecycle is simulated from the timings.
   */
  docker: z.boolean().optional(),
  /**
   * Serve network volumes (`/network_volumes/*`, vast-api-more.md §2.2), a feature Vast keeps behind
   * a flag: without it their search and rent answer 403 `not_authorized`. Defaults to false.
   */
  networkVolumes: z.boolean().optional(),
  /** The engine's Unix socket in Docker mode. Defaults to `/var/run/docker.sock`. */
  dockerSocket: z.string().min(1).optional(),
  /** Receives one line per API request (method, route, status, ms; never the key). Defaults to none. */
  log: z.custom<(line: string) => void>((value) => typeof value === "function").optional(),
});
export type EmulatorOptions = z.input<typeof EmulatorOptions>;

/**
 * Parses `value` with `schema`, throwing an `InvalidOptionsError` that lists every issue with its
 * path (zod's "→ at dotted.path") and carries the dotted paths.
 */
export function parseOptions<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const paths = result.error.issues.map((issue) => issue.path.map(String).join("."));
  throw new InvalidOptionsError(`invalid ${what}:\n${z.prettifyError(result.error)}`, paths);
}
