/**
 * What route handlers receive and return. Handlers are plain functions of a `RequestContext`;
 * the HTTP plumbing (auth, faults, latency, rendering) lives in http-handler.ts.
 */
import type { Catalog } from "./catalog.ts";
import type { EmulatorClock } from "./clock.ts";
import type { ApiKeyRecord, EmulatorDb } from "./db.ts";
import type { FaultInjector } from "./faults.ts";
import type { ContainerOp } from "./instance-containers.ts";
import type { LogUploads } from "./log-uploads.ts";
import type { LifecycleTimings } from "./config.ts";

/** The one account the emulator serves (vast-api.md §3.9). */
export const ACCOUNT = {
  id: 1,
  username: "vast-kit-emulator",
  email: "emulator@vast-kit.invalid",
  fullname: "Vast Kit Emulator",
} as const;

/** Everything that lives as long as the emulator. */
export interface EmulatorState {
  db: EmulatorDb;
  catalog: Catalog;
  faults: FaultInjector;
  /** Current lifecycle delays; replaced as a whole by `setTimings`. */
  timings: LifecycleTimings;
  logUploads: LogUploads;
  /** `http://127.0.0.1:<port>`, known once listening. */
  baseUrl: string;
  /** Whether the account may use network volumes (`EmulatorOptions.networkVolumes`). */
  networkVolumes: boolean;
  /** Docker mode's side of every transition (instance-containers.ts); null without `docker: true`. */
  containers: { run(op: ContainerOp, id: number): void; logs(id: number): Promise<string>; dropVolume(volumeId: number): void } | null;
  /** What requests, lifecycles and charges are timed by (clock.ts). */
  clock: EmulatorClock;
}

/** One API request, decoded. */
export interface RequestContext {
  state: EmulatorState;
  /** Route parameters, e.g. `{ id: "123" }`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; `{}` when there is none. */
  body: unknown;
  /** Epoch milliseconds at which the request is handled. */
  now: number;
  /** The key the request authenticated with, which says the account it acts on (vast-api-more.md §4.1); undefined when anonymous. */
  caller?: ApiKeyRecord | undefined;
}

/** A handler's answer. `drop` destroys the socket without answering (fault `dropCreateResponse`). */
export type ApiResult =
  { kind: "json"; status: number; body: unknown } | { kind: "text"; status: number; body: string; contentType: string } | { kind: "drop" };

export type Handler = (ctx: RequestContext) => ApiResult;

/** A JSON answer; Content-Type will be exactly `application/json` (§2.1). */
export function json(body: unknown, status = 200): ApiResult {
  return { kind: "json", status, body };
}

/** A plain-text answer (log uploads, plain-text 429s). */
export function text(body: string, status = 200, contentType = "text/plain"): ApiResult {
  return { kind: "text", status, body, contentType };
}
