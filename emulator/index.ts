/**
 * The Vast API emulator, programmatic entry. `startEmulator` binds 127.0.0.1, serves the part of
 * the Vast REST API described in shared/reference/vast-api.md, and returns handles for tests:
 * faults, timings, stats and a direct peek at the instances.
 *
 * @example
 * const emu = await startEmulator({ apiKey: 'test-key', timings: { loadingMs: 100 } });
 * t.after(() => emu.close());
 * await fetch(`${emu.url}/api/v0/users/current`, { headers: { Authorization: 'Bearer test-key' } });
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildCatalog } from "./catalog.ts";
import type { EmulatorState } from "./context.ts";
import { EmulatorDb } from "./db.ts";
import { keyHash } from "./key-hash.ts";
import { DockerRuntime } from "./docker-runtime.ts";
import { EmulatorError } from "./errors.ts";
import { InstanceContainers, containerOwner } from "./instance-containers.ts";
import { FaultInjector, RequestStats } from "./faults.ts";
import { RateLimiter } from "./rate-limits.ts";
import { createRequestListener } from "./http-handler.ts";
import { stateAt } from "./lifecycle.ts";
import { LogUploads } from "./log-uploads.ts";
import { DEFAULT_TIMINGS, EmulatorOptions, Faults, TimingsPatch, parseOptions } from "./config.ts";
import type { LifecycleTimings } from "./config.ts";
import type { InstanceSecrets } from "./routes/admin.ts";
import { acceptInvites } from "./routes/teams.ts";

export type { EmulatorOptions, Faults, LifecycleTimings };
export { DEFAULT_TIMINGS };
export { ApiError, EmulatorError, InvalidOptionsError, StateVersionError } from "./errors.ts";
export { DockerError } from "./docker-runtime.ts";
export { INSTANCE_LABEL, OWNER_LABEL } from "./container-spec.ts";
export type { InstanceSecrets } from "./routes/admin.ts";
export { ENDPOINT_KEYS, type EndpointKey } from "./routes/table.ts";

/** An instance as `listInstances` shows it: straight from the database, state as of now. */
export interface InstancePeek {
  id: number;
  label: string | null;
  actual_status: string | null;
  intended_status: string;
  image_uuid: string;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  /** Replaces every active fault (validated; throws `InvalidOptionsError`). */
  setFaults(faults: Faults): void;
  /** Turns the documented rate limits on or off (`EmulatorOptions.rateLimits`). */
  setRateLimits(enabled: boolean): void;
  /** Changes some lifecycle delays; transitions already under way keep theirs. */
  setTimings(timings: Partial<LifecycleTimings>): void;
  /** API requests received since start or the last reset (admin requests excluded). */
  stats(): { total: number; byEndpoint: Record<string, number> };
  resetStats(): void;
  /** Every instance, read from the database (a test peek, not an API call). */
  listInstances(): InstancePeek[];
  /** What an instance's container is given and the Vast API never returns; undefined for an unknown id. */
  instanceSecrets(id: number): InstanceSecrets | undefined;
  /**
   * Docker mode: the value of the `vast-kit.emulator.state` label on this emulator's containers
   * (a hash of the state file path); null without Docker mode.
   */
  containerOwner: string | null;
  /**
   * Docker mode: waits for pending container operations, then removes every container of this
   * emulator (`docker rm -f`) and resolves how many. Resolves 0 without Docker mode. For test
   * cleanup, before `close()`: `close()` leaves containers running so a stack survives a restart.
   */
  removeContainers(): Promise<number>;
  /**
   * The invited person accepts every pending team invitation sent to `email` (the real acceptance
   * happens in the console, vast-api-more.md §4.4); they get a user account if they had none.
   * Returns the team account ids joined. Also `POST /_emulator/invites/accept` `{"email"}`.
   */
  acceptInvites(email: string): number[];
  /** Stops listening, drops open connections and closes the database; containers are left as they are. */
  close(): Promise<void>;
}

/** Starts an emulator. Resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const opts = parseOptions(EmulatorOptions, options, "emulator options");
  const db = new EmulatorDb(opts.statePath);
  db.bindPrimaryKey(keyHash(opts.apiKey));
  const docker = opts.docker
    ? await connectDocker(opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET).catch((error: unknown) => {
        db.close();
        throw error;
      })
    : null;
  const containers = docker ? new InstanceContainers(db, docker, containerOwner(opts.statePath), opts.log) : null;
  const faults = new FaultInjector();
  if (opts.faults) faults.set(opts.faults);
  const stats = new RequestStats();
  const limits = new RateLimiter(opts.rateLimits ?? true);
  const state: EmulatorState = {
    db,
    catalog: buildCatalog(),
    faults,
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
    logUploads: new LogUploads(),
    baseUrl: "",
    containers,
  };
  const listInstances = (): InstancePeek[] => {
    const now = Date.now();
    return db.listInstances().map((record) => ({
      id: record.id,
      label: record.label,
      actual_status: stateAt(record.timeline, now).actual,
      intended_status: record.intendedStatus,
      image_uuid: record.config.image,
    }));
  };
  const controls = {
    getFaults: () => faults.get(),
    setFaults: (next: Faults) => faults.set(parseOptions(Faults, next, "faults")),
    getTimings: () => ({ ...state.timings }),
    setTimings: (patch: Partial<LifecycleTimings>) => {
      state.timings = { ...state.timings, ...parseOptions(TimingsPatch, patch, "timings") };
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    listInstances,
    instanceSecrets: (id: number): InstanceSecrets | undefined => {
      const config = db.getInstance(id)?.config;
      return config && { open_button_token: config.openButtonToken, container_api_key: config.instanceApiKey };
    },
    removeContainers: async () => (containers ? containers.removeAll() : 0),
    acceptInvites: (email: string) => acceptInvites(db, email, Date.now()),
  };

  const server = createServer(
    createRequestListener({ state, stats, limits, admin: controls, apiKey: opts.apiKey, latencyMs: opts.latencyMs ?? 0, log: opts.log }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    db.close();
    await docker?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  state.baseUrl = `http://127.0.0.1:${port}`;
  containers?.start();

  let closing: Promise<void> | undefined;
  return {
    url: state.baseUrl,
    port,
    setFaults: controls.setFaults,
    setTimings: controls.setTimings,
    setRateLimits: (enabled: boolean) => limits.setEnabled(enabled),
    stats: controls.stats,
    resetStats: controls.resetStats,
    listInstances,
    instanceSecrets: controls.instanceSecrets,
    containerOwner: containers?.owner ?? null,
    removeContainers: controls.removeContainers,
    acceptInvites: controls.acceptInvites,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          (containers?.close() ?? Promise.resolve()).finally(() => {
            db.close();
            resolve();
          });
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** A Docker client that has answered a ping, or an error that says how to get an engine. */
async function connectDocker(socket: string): Promise<DockerRuntime> {
  const docker = new DockerRuntime(socket);
  try {
    await docker.ping();
    return docker;
  } catch (error) {
    await docker.close();
    throw new EmulatorError(
      "EMU_DOCKER_UNAVAILABLE",
      `Docker mode needs a Docker engine on ${socket} (bash toolchain/docker.sh starts one): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
