/**
 * One poll loop per client serving every instance that is waiting in this provider process: each
 * round is a single v1 list call filtered to the waiting ids, instead of one read per instance
 * (the Terraform peers poll each instance every 5–10 s). The first round runs at once so a fast
 * transition is noticed within one interval.
 */
import { VastError, VastErrorCode } from "./errors.ts";
import type { VastClient } from "./client.ts";
import type { Progress } from "./instance-status.ts";
import type { Instance } from "./schemas.ts";

/** A wait: `progress` says when it is over; `onStatus` hears each new intermediate status. */
export interface WaitRequest {
  id: number;
  /** What the wait is for, for messages: "become running". */
  goal: string;
  progress: (instance: Instance | undefined) => Progress;
  deadline: number;
  onStatus?: (status: string) => void;
}

interface Waiter extends WaitRequest {
  lastStatus?: string;
  resolve: (instance: Instance | undefined) => void;
  reject: (error: Error) => void;
}

export class InstanceWatcher {
  readonly #client: VastClient;
  readonly #intervalMs: number;
  readonly #waiters = new Set<Waiter>();
  #running = false;

  /** @param intervalMs time between list calls; defaults to 1000 ms so "running" is seen within 2 s. */
  constructor(client: VastClient, intervalMs = 1000) {
    this.#client = client;
    this.#intervalMs = intervalMs;
  }

  /** Resolves with the instance (or `undefined` once gone) when `progress` says done; rejects on failure or deadline. */
  wait(request: WaitRequest): Promise<Instance | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiters.add({ ...request, resolve, reject });
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiters.size > 0) {
        const started = Date.now();
        await this.#round();
        const rest = this.#intervalMs - (Date.now() - started);
        if (this.#waiters.size > 0 && rest > 0) await new Promise((r) => setTimeout(r, rest));
      }
    } finally {
      this.#running = false;
    }
  }

  async #round(): Promise<void> {
    const waiting = [...this.#waiters];
    const ids = [...new Set(waiting.map((w) => w.id))];
    let byId: Map<number, Instance>;
    try {
      const found = await this.#client.listInstances({ id: { in: ids } });
      byId = new Map(found.map((i) => [i.id, i]));
    } catch (error) {
      // The client already retried; a failed round only delays the waiters until their deadlines.
      for (const w of waiting) this.#expireIfDue(w, error);
      return;
    }
    for (const w of waiting) {
      const instance = byId.get(w.id);
      const progress = w.progress(instance);
      if (progress.kind === "done") {
        this.#waiters.delete(w);
        w.resolve(instance);
      } else if (progress.kind === "failed") {
        this.#waiters.delete(w);
        w.reject(new VastError(VastErrorCode.instanceFailed, `instance ${w.id} will not ${w.goal}: ${progress.reason}`));
      } else {
        if (progress.status !== w.lastStatus) {
          w.lastStatus = progress.status;
          w.onStatus?.(progress.status);
        }
        this.#expireIfDue(w);
      }
    }
  }

  #expireIfDue(w: Waiter, cause?: unknown): void {
    if (Date.now() < w.deadline) return;
    this.#waiters.delete(w);
    const last = w.lastStatus ? ` (last status: ${w.lastStatus})` : "";
    w.reject(new VastError(VastErrorCode.timeout, `instance ${w.id} did not ${w.goal} before its deadline${last}`, { cause }));
  }
}
