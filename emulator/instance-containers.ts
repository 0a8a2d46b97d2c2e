/**
 * Docker mode (`--docker`): every instance is a real container of its image. The API handlers
 * store the first state of a transition and call `run`; the operation acts on Docker and appends
 * the states the container really reaches (vast-api.md §4.3), so `actual_status` follows the
 * container instead of the timings:
 *
 *   boot    `loading` "Pulling image" → pull → create (the `-p` and EXPOSE ports on free
 *           loopback ports) → start → `running`; a failure → `exited`
 *           with the daemon's message, intended still running (§4.2 "boot failed")
 *   start   `docker start` (a boot when there is no container yet) → `running`
 *   stop    `docker stop` → `exited` "Exited (<code>), stopped by user"
 *   reboot  `docker restart` → `running`
 *   recycle the container is removed, then a boot
 *   destroy `docker rm -f` at once and again after the queue, idempotent
 *
 * Operations on one instance run one after the other. Containers carry the instance id and an
 * owner (a hash of the state file path) as labels, so a restart on the same state file maps
 * instances back to their containers; closing never removes a container. A sync loop marks
 * instances whose container died on its own as `exited`, removes containers whose instance is
 * gone, and on start finishes the transitions the previous process left half done.
 */
import { createHash, randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { INSTANCE_LABEL, OWNER_LABEL, containerPlan, dockerVolumeName, registryAuth } from "./container-spec.ts";
import type { EmulatorDb } from "./db.ts";
import { requestedPorts } from "./docker-env.ts";
import { DockerError, type DockerRuntime } from "./docker-runtime.ts";
import { allocateHostPorts } from "./host-ports.ts";
import { type LifecycleStep, runningMessage, stateAt } from "./lifecycle.ts";
import type { InstanceRecord } from "./records.ts";

/** What a transition asks of the container. */
export type ContainerOp = "boot" | "start" | "stop" | "reboot" | "recycle" | "destroy";

/** `docker stop`'s own default: SIGTERM, then SIGKILL after this many seconds. */
const STOP_TIMEOUT_S = 10;
const SYNC_INTERVAL_MS = 1000;

/** The owner label of the containers of an emulator on `statePath`; random for an in-memory state. */
export function containerOwner(statePath: string | undefined): string {
  if (statePath === undefined) return `mem${randomBytes(6).toString("hex")}`;
  return createHash("sha256").update(resolve(statePath)).digest("hex").slice(0, 12);
}

/** The operation that finishes a transition a previous process left half done, if any. */
function unfinished(record: InstanceRecord, step: LifecycleStep): ContainerOp | null {
  if (record.intendedStatus === "stopped") return step.actual === "exited" || step.actual === "created" ? null : "stop";
  if (step.actual === "rebooting") return "reboot";
  if (step.actual === "created" || step.actual === "loading") return step.cur === "stopped" ? "start" : "boot";
  return null;
}

/** Instances as containers, for one emulator. */
export class InstanceContainers {
  /** The value of the owner label on this emulator's containers. */
  readonly owner: string;
  #docker: DockerRuntime;
  #db: EmulatorDb;
  #log: ((line: string) => void) | undefined;
  #queues = new Map<number, Promise<void>>();
  /** Counts operations queued and finished, so the sync loop can tell its container list went stale. */
  #activity = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /**
   * The emulator's API as containers reach it (its listener on the Docker bridge), injected as
   * `VAST_API_URL`; set once the emulator listens, before `start()`.
   */
  apiUrl: string | undefined;

  constructor(db: EmulatorDb, docker: DockerRuntime, owner: string, log?: (line: string) => void) {
    this.#db = db;
    this.#docker = docker;
    this.owner = owner;
    this.#log = log;
  }

  /** Finishes half-done transitions, then checks the containers every second. */
  start(): void {
    const now = Date.now();
    for (const record of this.#db.listInstances()) {
      const op = unfinished(record, stateAt(record.timeline, now));
      if (op) this.run(op, record.id);
    }
    const tick = (): void => {
      this.#sync()
        .catch((error: unknown) => this.#log?.(`docker sync failed: ${(error as Error).message}`))
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, SYNC_INTERVAL_MS).unref();
        });
    };
    tick();
  }

  /** Queues `op` for instance `id` behind the operations already queued for it. */
  run(op: ContainerOp, id: number): void {
    if (op === "destroy" && !this.#closed) {
      // Not behind a stop's 10 s or a pull: remove now, and once more after the queue, since a
      // boot in flight may still create the container.
      this.#removeContainers(id).catch((error: unknown) => this.#log?.(`instance ${id} destroy failed: ${(error as Error).message}`));
    }
    this.#activity++;
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => (this.#closed ? undefined : this.#perform(op, id)))
      .catch((error: unknown) => this.#log?.(`instance ${id} ${op} failed: ${(error as Error).message}`))
      .finally(() => {
        this.#activity++;
        if (this.#queues.get(id) === next) this.#queues.delete(id);
      });
    this.#queues.set(id, next);
  }

  /** What the instance's container wrote to stdout and stderr; empty when it has no container. */
  async logs(id: number): Promise<string> {
    const container = await this.#find(id);
    return container ? this.#docker.logs(container, "all") : "";
  }

  /** Waits for every queued operation, then removes every container of this emulator, and its volumes; returns how many containers. */
  async removeAll(): Promise<number> {
    await Promise.allSettled([...this.#queues.values()]);
    const containers = await this.#docker.list([`${OWNER_LABEL}=${this.owner}`]);
    for (const container of containers) await this.#docker.remove(container.id);
    for (const name of await this.#docker.listVolumes([`${OWNER_LABEL}=${this.owner}`])) await this.#docker.removeVolume(name);
    return containers.length;
  }

  /**
   * Removes the Docker volume behind a deleted Vast volume (its data goes with it, as on Vast),
   * once the removals of its instances' containers queued before it are done: the engine refuses
   * (409) to remove a volume a container still uses.
   */
  dropVolume(volumeId: number): void {
    if (this.#closed) return;
    const name = dockerVolumeName(this.owner, volumeId);
    const drop = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#docker.removeVolume(name);
        } catch (error) {
          if (!(error instanceof DockerError && error.status === 409) || attempt >= 40 || this.#closed) throw error;
          await sleep(250);
        }
      }
    };
    Promise.allSettled([...this.#queues.values()])
      .then(drop)
      .catch((error: unknown) => this.#log?.(`volume ${volumeId} removal failed: ${(error as Error).message}`));
  }

  /** Stops the sync loop and drops the Docker connection; the containers stay as they are. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#docker.close();
  }

  async #perform(op: ContainerOp, id: number): Promise<void> {
    if (op === "destroy") {
      await this.#removeContainers(id);
      return;
    }
    if (op === "stop") {
      await this.#stop(id);
      return;
    }
    try {
      const existing = op === "boot" || op === "recycle" ? undefined : await this.#find(id);
      if (!existing) await this.#boot(id);
      else if (op === "reboot") await this.#docker.restart(existing, STOP_TIMEOUT_S);
      else await this.#docker.start(existing);
      await this.#running(id);
    } catch (error) {
      this.#report(id, "running", { actual: "exited", cur: "running", status_msg: (error as Error).message });
    }
  }

  /** Pull, then a fresh container on fresh loopback ports (the old one, if any, removed). */
  async #boot(id: number): Promise<void> {
    const record = this.#db.getInstance(id);
    if (!record) return;
    this.#report(id, "running", { actual: "loading", cur: "running", status_msg: `Pulling image ${record.config.image}` });
    await this.#docker.pull(record.config.image, registryAuth(record.config));
    await this.#removeContainers(id);
    // The image's EXPOSE ports are mapped too (§6.1).
    const requested = requestedPorts(record.config.env, record.config.runtype);
    const exposed = await this.#docker.exposedPorts(record.config.image);
    const ports = await allocateHostPorts({ ...requested, keys: [...new Set([...requested.keys, ...exposed])] });
    const current = this.#db.getInstance(id);
    if (!current || this.#closed) return;
    const config = { ...current.config, ports };
    this.#db.setConfig(id, config);
    const account = {
      secrets: this.#db.listSecrets(),
      sshKeys: this.#db.instanceSshKeys(id),
      volumes: this.#db.listVolumeMounts().filter((m) => m.instanceId === id),
    };
    const plan = containerPlan({ ...current, config }, this.owner, account, this.apiUrl);
    await this.#docker.start(await this.#docker.createContainer(plan.config));
  }

  /** The container runs: run `onstart` in it (ssh/jupyter runtypes) and report `running`. */
  async #running(id: number): Promise<void> {
    const record = this.#db.getInstance(id);
    const container = await this.#find(id);
    if (!record || this.#closed || !container) return;
    const { onstart } = containerPlan(record, this.owner, { secrets: [], sshKeys: [] });
    // A failing onstart does not stop the instance on Vast either; it only shows in the logs.
    if (onstart)
      await this.#docker
        .execDetached(container, onstart)
        .catch((error: unknown) => this.#log?.(`instance ${id} onstart failed: ${(error as Error).message}`));
    this.#report(id, "running", { actual: "running", cur: "running", status_msg: runningMessage(record.config) });
  }

  async #stop(id: number): Promise<void> {
    const container = await this.#find(id);
    let code = 0;
    if (container) {
      await this.#docker.stop(container, STOP_TIMEOUT_S);
      code = await this.#docker.exitCode(container);
    }
    this.#report(id, "stopped", { actual: "exited", cur: "stopped", status_msg: `Exited (${code}), stopped by user` });
  }

  /** Marks running instances whose container is gone or exited, and removes containers of destroyed instances. */
  async #sync(): Promise<void> {
    const activity = this.#activity;
    const containers = await this.#docker.list([`${OWNER_LABEL}=${this.owner}`]);
    // An operation that ran meanwhile may have changed a container after it was listed: next round.
    if (this.#closed || this.#activity !== activity) return;
    const byInstance = new Map(containers.map((container) => [Number(container.labels[INSTANCE_LABEL]), container]));
    const now = Date.now();
    for (const record of this.#db.listInstances()) {
      const container = byInstance.get(record.id);
      byInstance.delete(record.id);
      if (this.#queues.has(record.id) || stateAt(record.timeline, now).actual !== "running" || container?.state === "running") continue;
      const code = container ? await this.#docker.exitCode(container.id) : null;
      // The instance may have moved on while the exit code was read.
      if (this.#closed || this.#activity !== activity) return;
      const msg =
        code === null ? `Error response from daemon: No such container: vast-kit-emu-${this.owner}-${record.id}` : `Exited (${code})`;
      this.#report(record.id, "running", { actual: "exited", cur: "running", status_msg: msg });
    }
    for (const [id, container] of byInstance) {
      if (this.#closed || this.#activity !== activity) return;
      if (!this.#db.getInstance(id)) await this.#docker.remove(container.id);
    }
  }

  /** The id of the instance's container, if there is one. */
  async #find(id: number): Promise<string | undefined> {
    return (await this.#docker.list(this.#labels(id)))[0]?.id;
  }

  async #removeContainers(id: number): Promise<void> {
    for (const container of await this.#docker.list(this.#labels(id))) await this.#docker.remove(container.id);
  }

  #labels(id: number): string[] {
    return [`${OWNER_LABEL}=${this.owner}`, `${INSTANCE_LABEL}=${id}`];
  }

  /**
   * Appends the state the container reached, unless the instance is gone or the user has since
   * asked for the other state (the operation queued behind this one reports then).
   */
  #report(id: number, intended: "running" | "stopped", step: Omit<LifecycleStep, "at">): void {
    if (this.#closed) return;
    const record = this.#db.getInstance(id);
    if (!record || record.intendedStatus !== intended) return;
    const now = Date.now();
    this.#db.setLifecycle(id, intended, [...record.timeline.filter((s) => s.at <= now), { at: now, ...step }]);
    this.#log?.(`instance ${id} ${step.actual}: ${step.status_msg ?? ""}`);
  }
}
