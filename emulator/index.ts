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
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildCatalog } from "./catalog.ts";
import { EmulatorClock } from "./clock.ts";
import type { EmulatorState } from "./context.ts";
import { EmulatorDb } from "./db.ts";
import { keyHash } from "./key-hash.ts";
import { DockerRuntime } from "./docker-runtime.ts";
import { ApiError, EmulatorError } from "./errors.ts";
import { outbid } from "./outbid.ts";
import { InstanceContainers, containerOwner } from "./instance-containers.ts";
import { FaultInjector, RequestStats } from "./faults.ts";
import { RateLimiter } from "./rate-limits.ts";
import { createRequestListener } from "./http-handler.ts";
import { stateAt } from "./lifecycle.ts";
import { LogUploads } from "./log-uploads.ts";
import { DEFAULT_TIMINGS, EmulatorOptions, Faults, TimingsPatch, parseOptions } from "./config.ts";
import type { LifecycleTimings } from "./config.ts";
import { ClockChange, type InstanceSecrets } from "./routes/admin.ts";
import { acceptInvites } from "./routes/teams.ts";

export type { EmulatorOptions, Faults, LifecycleTimings };
export { DEFAULT_TIMINGS };
export { ApiError, EmulatorError, InvalidOptionsError, StateVersionError } from "./errors.ts";
export { DockerError } from "./docker-runtime.ts";
export { INSTANCE_LABEL, OWNER_LABEL } from "./container-spec.ts";
export type { ClockChange, InstanceSecrets } from "./routes/admin.ts";
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
   * Moves the emulator's clock (clock.ts) forward by `advanceMs` and/or freezes (`frozen: true`)
   * or releases it; resolves the clock's reading in epoch ms. Requests, lifecycle steps and charges
   * all follow it: advancing an hour bills an hour. Not for Docker mode, whose containers report on
   * real time. Also `POST /_emulator/clock` with the same body.
   */
  setClock(change: ClockChange): { now: number };
  /**
   * Outbids a bid (interruptible) instance, as a higher bid would on Vast (emulator/outbid.ts): it
   * stops, intended still running, until its bid beats `higherBid` (default 10 % over its own).
   * Returns the higher bid; throws `ApiError` for an unknown or on-demand instance.
   */
  outbid(id: number, higherBid?: number): number;
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
    clock: new EmulatorClock(),
    networkVolumes: opts.networkVolumes ?? false,
  };
  const listInstances = (): InstancePeek[] => {
    const now = state.clock.now();
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
    setClock: (change: ClockChange) => {
      const { advanceMs, frozen } = parseOptions(ClockChange, change, "clock");
      if (advanceMs !== undefined) state.clock.advance(advanceMs);
      if (frozen !== undefined) state.clock.freeze(frozen);
      return { now: state.clock.now() };
    },
    outbid: (id: number, higherBid?: number): number => {
      const record = db.getInstance(id);
      if (!record) throw new ApiError(404, { success: false, error: "no_such_instance", msg: `Instance ${id} not found.` });
      return outbid(state, record, state.clock.now(), higherBid);
    },
    acceptInvites: (email: string) => acceptInvites(db, email, state.clock.now()),
  };

  const listener = createRequestListener({
    state,
    stats,
    limits,
    admin: controls,
    apiKey: opts.apiKey,
    latencyMs: opts.latencyMs ?? 0,
    log: opts.log,
  });
  const server = createServer(listener);
  // Docker mode: containers cannot reach the host's loopback, so the API is also served on the host's
  // address on the Docker bridge (reachable from containers only), which they get as VAST_API_URL.
  const bridgeServer = docker ? createServer(listener) : null;
  try {
    await listen(server, opts.port ?? 0, "127.0.0.1");
    if (bridgeServer && containers && docker) {
      // Without it the containers only lack VAST_API_URL: Docker mode still runs them.
      try {
        const gateway = await docker.bridgeGateway();
        if (gateway !== undefined) {
          const port = (server.address() as AddressInfo).port;
          const bridgePort = await listen(bridgeServer, port, gateway).catch(() => listen(bridgeServer, 0, gateway));
          containers.apiUrl = `http://${gateway}:${bridgePort}`;
        }
      } catch (error) {
        opts.log?.(`docker: containers cannot reach the API (no listener on the bridge): ${(error as Error).message}`);
      }
    }
  } catch (error) {
    server.close();
    bridgeServer?.close();
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
    setClock: controls.setClock,
    outbid: controls.outbid,
    acceptInvites: controls.acceptInvites,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (bridgeServer?.listening) {
          bridgeServer.close();
          bridgeServer.closeAllConnections();
        }
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

/** Listens on `host:port`; resolves the port, rejects when it cannot bind. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

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
