/**
 * Autostop: an instance nobody uses stops (or destroys) itself, so a forgotten GPU stops billing
 * without anyone running `pulumi up` (issue 12). It runs inside the portal process, which
 * supervisor always starts (it is the authenticating front), because the portal is also where the
 * countdown is shown and postponed: one process owns the deadline, no state crosses processes.
 *
 * Every tick samples activity (activity.ts); any activity moves `lastActiveAt` to now. The
 * deadline is `lastActiveAt + window`, or a later time a signed-in user postponed it to. Past the
 * deadline the watcher calls the Vast API with the instance's own key (../vast-self.ts) and logs
 * what it did and why. After Vast accepts, the window starts over: if the platform never stops
 * the container, the watcher asks again one window later rather than every tick.
 * @module
 */
import type { AutostopSettings } from "../config.ts";
import type { ActivitySample } from "./activity.ts";
import { actOnSelf } from "../vast-self.ts";

/** What the landing page and `GET /autostop` show. */
export interface AutostopStatus {
  /** False when `AUTOSTOP_IDLE_MINUTES` is unset or 0, or the instance has no key or id. */
  readonly enabled: boolean;
  /** Why it is off, when it is. */
  readonly off?: string;
  readonly action: "stop" | "destroy";
  readonly idleMinutes: number;
  /** Seconds in one autostop minute (60 except in tests). */
  readonly minuteSeconds: number;
  /** ISO time of the last activity (or of the start). */
  readonly lastActiveAt: string;
  /** ISO time at which the instance acts if nothing happens. */
  readonly deadline: string;
  readonly secondsLeft: number;
  /** ISO time a user postponed the deadline to, if later than the idle deadline. */
  readonly postponedUntil: string | null;
  /** Why the last sample counted as activity; empty when idle. */
  readonly activity: readonly string[];
  /** The last failed call to the Vast API, if the latest one failed. */
  readonly lastError: string | null;
}

/** A running watcher. */
export interface Autostop {
  status(): AutostopStatus;
  /** Pushes the deadline to at least `minutes` (default: the idle window) from now; returns the new status. */
  postpone(minutes?: number): AutostopStatus;
  close(): void;
}

/** Options of {@link startAutostop}. */
export interface AutostopOptions {
  readonly settings: AutostopSettings;
  /** `CONTAINER_ID`. */
  readonly instanceId: string | undefined;
  readonly log: (line: string) => void;
  readonly sample: () => Promise<ActivitySample>;
}

/** The most a single postponement may add, in minutes (a day). */
export const MAX_POSTPONE_MINUTES = 24 * 60;

/** Starts watching (or, when off, a watcher that only reports why). */
export function startAutostop(options: AutostopOptions): Autostop {
  const { settings, instanceId, log } = options;
  const minuteMs = settings.minuteSeconds * 1000;
  const windowMs = settings.idleMinutes * minuteMs;
  const off =
    settings.idleMinutes === 0
      ? "AUTOSTOP_IDLE_MINUTES is not set"
      : settings.apiKey === undefined || instanceId === undefined
        ? "CONTAINER_API_KEY or CONTAINER_ID is not set (Vast sets both)"
        : undefined;
  let lastActiveAt = Date.now();
  let postponedUntil = 0;
  let activity: readonly string[] = [];
  let lastError: string | null = null;
  let busy = false;
  let retryAt = 0;

  const deadline = () => Math.max(lastActiveAt + windowMs, postponedUntil);
  const status = (): AutostopStatus => {
    const at = deadline();
    return {
      enabled: off === undefined,
      ...(off === undefined ? {} : { off }),
      action: settings.action,
      idleMinutes: settings.idleMinutes,
      minuteSeconds: settings.minuteSeconds,
      lastActiveAt: new Date(lastActiveAt).toISOString(),
      deadline: new Date(at).toISOString(),
      secondsLeft: Math.max(0, Math.ceil((at - Date.now()) / 1000)),
      postponedUntil: postponedUntil > lastActiveAt + windowMs ? new Date(postponedUntil).toISOString() : null,
      activity,
      lastError,
    };
  };

  if (off !== undefined) {
    log(`autostop: off (${off})`);
    return { status, postpone: status, close() {} };
  }
  log(
    `autostop: on: ${settings.action} after ${settings.idleMinutes} idle minute(s)` +
      `${settings.minuteSeconds === 60 ? "" : ` of ${settings.minuteSeconds} s`}; active means an open session, ` +
      `CPU above ${settings.cpuThreshold}% of a core, a GPU above ${settings.gpuThreshold}%, or provisioning running`,
  );

  const tick = async () => {
    const sample = await options.sample();
    const now = Date.now();
    if (sample.reasons.length > 0) {
      if (activity.length === 0) log(`autostop: active (${sample.reasons.join(", ")})`);
      lastActiveAt = now;
    } else if (activity.length > 0) {
      log(`autostop: idle; ${settings.action} at ${new Date(deadline()).toISOString()} unless something happens`);
    }
    activity = sample.reasons;
    if (now < deadline() || now < retryAt) return;
    const idleFor = Math.round((now - lastActiveAt) / minuteMs);
    const figures = [
      `${sample.sessions} open sessions`,
      sample.cpuPercent === undefined ? "CPU unknown" : `CPU ${sample.cpuPercent.toFixed(1)}% of a core ≤ ${settings.cpuThreshold}%`,
      sample.gpuPercent === undefined ? "no GPU" : `GPU ${sample.gpuPercent}% ≤ ${settings.gpuThreshold}%`,
      "no provisioning",
    ];
    log(
      `autostop: idle for ${idleFor} minute(s) of ${settings.idleMinutes} (${figures.join(", ")}): ` +
        `asking Vast to ${settings.action} instance ${instanceId} (${settings.apiUrl})`,
    );
    try {
      await actOnSelf({
        apiUrl: settings.apiUrl,
        apiKey: settings.apiKey as string,
        instanceId: instanceId as string,
        action: settings.action,
      });
      lastError = null;
      log(`autostop: Vast accepted: instance ${instanceId} will ${settings.action === "stop" ? "stop" : "be destroyed"}`);
      // The window starts over: ask again only if the instance is still here one window later.
      lastActiveAt = Date.now();
      postponedUntil = 0;
    } catch (err) {
      lastError = (err as Error).message;
      retryAt = Date.now() + Math.min(windowMs, 30_000);
      log(`autostop: the ${settings.action} failed, trying again in ${Math.round((retryAt - Date.now()) / 1000)} s: ${lastError}`);
    }
  };

  // A quarter of a minute between samples: 15 s on Vast, a few per second in tests.
  const tickMs = Math.min(15_000, Math.max(250, minuteMs / 4));
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((err: Error) => log(`autostop: sampling failed: ${err.message}`))
      .finally(() => {
        busy = false;
      });
  }, tickMs);
  timer.unref();

  return {
    status,
    postpone(minutes = settings.idleMinutes) {
      postponedUntil = Math.max(postponedUntil, Date.now() + minutes * minuteMs);
      log(`autostop: postponed by a user: no ${settings.action} before ${new Date(deadline()).toISOString()}`);
      return status();
    },
    close() {
      clearInterval(timer);
    },
  };
}
