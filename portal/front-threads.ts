/**
 * Extra front threads: with `PORTAL_FRONT_THREADS=N`, N-1 worker threads open
 * the same fronts with SO_REUSEPORT and the kernel spreads connections over
 * them, so the front can use more than one core without a second process.
 * A thread costs roughly one more V8 isolate of memory, hence the default of 1.
 *
 * A front thread runs the same program as the main thread (the entry module,
 * with the same arguments), and `startPortal` sees the thread's role in
 * `workerData` and only opens fronts. This keeps one entry point for the
 * source tree and for the bundled image program alike.
 * Each thread keeps its own failure limiter (§3.5 rate limit per client per thread).
 * @module
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FrontSetup, OpenFronts } from './fronts.ts';
import { openFronts } from './fronts.ts';

const ROLE = 'vast-kit-portal-front';

interface ThreadData {
  readonly role: typeof ROLE;
  readonly setup: FrontSetup;
}

/** The setup of this thread when it is a front thread, else undefined. */
export function frontThreadSetup(): FrontSetup | undefined {
  const data = workerData as ThreadData | null | undefined;
  return !isMainThread && data?.role === ROLE ? data.setup : undefined;
}

/** In a front thread: open the fronts, report ready, and close them when the main thread asks. */
export async function serveFrontThread(setup: FrontSetup): Promise<OpenFronts> {
  const fronts = await openFronts(setup);
  parentPort?.on('message', (message: unknown) => {
    if (message !== 'close') return;
    void fronts.close().then(() => parentPort?.postMessage('closed'));
  });
  parentPort?.postMessage('ready');
  return fronts;
}

/** Running front threads. */
export interface FrontThreads {
  close(): Promise<void>;
}

/**
 * Start `count` front threads running `entry` (the program's main module) with
 * this process's arguments; resolves once every thread listens.
 */
export async function startFrontThreads(count: number, setup: FrontSetup, entry: URL): Promise<FrontThreads> {
  const workers: Worker[] = [];
  const stopAll = async () => {
    await Promise.all(workers.map(async (worker) => {
      const closed = new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('close');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 3000).unref())]);
      await worker.terminate();
    }));
  };
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry, { workerData: { role: ROLE, setup } satisfies ThreadData, argv: process.argv.slice(2) });
      workers.push(worker);
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`front thread said ${String(m)}`))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`front thread exited with ${code} before listening`)));
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { close: stopAll };
}
