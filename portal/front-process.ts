/**
 * The fronts run in a child process of the portal (`node main.js front`),
 * the way the original image runs Caddy beside its portal app.
 *
 * Why a process of their own: the front is the hot path and the portal app
 * is not. Alone, the front loads only its own code (no zod, yaml, forge or
 * portal app), runs with V8 limits sized for a proxy ({@link FRONT_NODE_FLAGS}),
 * and a crash on either side leaves the other serving. The portal restarts a
 * front process that dies; a front process whose portal is gone exits, so a
 * restarted portal never finds its ports taken.
 *
 * The portal sends the child its {@link FrontSetup} over the IPC channel (the
 * TLS key never appears in an argument list or the environment), and the
 * child answers `ready` with the listeners it opened, or `failed` with why.
 * @module
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { openFronts } from "./fronts.ts";
import { stopChild } from "./stop-child.ts";
import type { FrontInfo, FrontSetup, OpenFronts } from "./fronts.ts";

/**
 * Node flags of the front process, measured with `benchmarks/portal/bench.ts`
 * and A/B runs of each flag: the Maglev tier costs ~9 MB resident for no
 * measurable requests/s; `--optimize-for-size` saved ~2 MB but cost ~10% of
 * requests/s; `--single-threaded-gc --v8-pool-size=0` raised the peak by ~10 MB.
 * Under repeated load (Node 24, 2 loaded cores) the heap is ~9 MB live after a
 * full GC, but V8 lets the old space grow by up to 8 MB before the next one:
 * a 24 MiB old space keeps that growth bounded (peak ~2 MB lower than 32 MiB,
 * 16 MiB ~4 MB lower but too close to the live heap of a busy front), and a
 * 1 MiB semi-space is ~2 MB smaller than 2 MiB at peak.
 */
const FRONT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--max-old-space-size=24", "--no-maglev"];

/**
 * glibc malloc for a small proxy: one arena (the front allocates on one
 * thread, and idle arenas only add resident memory), and a fixed 32 KiB mmap
 * threshold so large buffers go back to the system when freed instead of
 * raising the threshold and staying in the heap (~2 MB less at peak).
 */
const FRONT_ENV = { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "32768" };

/** The program the child runs: `main.ts` from source, `main.js` in the bundled image program (this module is inside it). */
const ENTRY = new URL(import.meta.url.endsWith(".ts") ? "./main.ts" : "./main.js", import.meta.url);

/** Restart delays after unexpected exits, last one repeated. */
const RESTART_DELAYS_MS = [100, 1_000, 5_000];
/** A front process that ran this long before dying starts the delays over. */
const STABLE_MS = 30_000;

type FromPortal = { readonly type: "setup"; readonly setup: FrontSetup };
type FromFront = { readonly type: "ready"; readonly infos: FrontInfo[] } | { readonly type: "failed"; readonly message: string };

/** Options of {@link startFrontProcess}. */
export interface FrontProcessOptions {
  /** Environment of the child. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

/** A running front process, restarted when it dies. */
export interface FrontProcess {
  /** The listeners, as the first start opened them. */
  readonly infos: readonly FrontInfo[];
  /** Stop the child (SIGTERM, SIGKILL after 5 s) and stop restarting it. */
  close(): Promise<void>;
}

/** Start the front process for `setup`; resolves once it listens, rejects with its error if it cannot. */
export async function startFrontProcess(setup: FrontSetup, options: FrontProcessOptions): Promise<FrontProcess> {
  let closing = false;
  let child: ChildProcess;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const { log } = options;

  const spawnChild = async (): Promise<FrontInfo[]> => {
    child = fork(ENTRY, ["front"], {
      execArgv: [...FRONT_NODE_FLAGS],
      env: { ...(options.env ?? process.env), ...FRONT_ENV },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // Structured clone keeps the Sets and Maps of the setup intact.
      serialization: "advanced",
    });
    const started = Date.now();
    const current = child;
    const answer = new Promise<FrontInfo[]>((resolve, reject) => {
      current.once("message", (message: FromFront) => {
        if (message.type === "ready") resolve(message.infos);
        else reject(new Error(message.message));
      });
      current.once("exit", (code, signal) => reject(new Error(`the front process exited (${signal ?? `code ${code}`}) before listening`)));
      current.once("error", reject);
    });
    current.send({ type: "setup", setup } satisfies FromPortal);
    const infos = await answer;
    current.once("exit", (code, signal) => {
      if (Date.now() - started > STABLE_MS) restarts = 0;
      restartLater(`exited (${signal ?? `code ${code}`})`);
    });
    return infos;
  };

  const restartLater = (what: string) => {
    if (closing) return;
    const delay = RESTART_DELAYS_MS[Math.min(restarts, RESTART_DELAYS_MS.length - 1)] as number;
    restarts++;
    log(`portal: the front process ${what}; restarting it in ${delay} ms`);
    restartTimer = setTimeout(() => {
      spawnChild().catch((err: Error) => restartLater(`did not come back (${err.message})`));
    }, delay);
  };

  const infos = await spawnChild();
  return {
    infos,
    async close() {
      closing = true;
      clearTimeout(restartTimer);
      await stopChild(child);
    },
  };
}

/**
 * The child's side (`node main.js front`): wait for the setup, open the
 * fronts, report, and close them on SIGTERM or when the portal goes away.
 */
export async function serveFrontProcess(): Promise<void> {
  const send = (message: FromFront) => process.send?.(message);
  if (process.send === undefined) {
    process.stderr.write("front: run by the portal only (no IPC channel)\n");
    process.exit(2);
  }
  const setup = await new Promise<FrontSetup>((resolve) => {
    process.once("message", (message: FromPortal) => resolve(message.setup));
  });
  let fronts: OpenFronts;
  try {
    fronts = await openFronts(setup);
  } catch (err) {
    send({ type: "failed", message: (err as Error).message });
    process.disconnect();
    return;
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void fronts.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The portal is gone (even killed with SIGKILL): its restart must find the ports free.
  process.on("disconnect", stop);
  send({ type: "ready", infos: [...fronts.infos] });
}
