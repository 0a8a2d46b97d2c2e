/**
 * How the portal app's process (`node main.js portal`) is launched: its Node
 * flags and malloc settings, in one place for the image's supervisor script
 * (`instance_portal.sh` reads them from `node main.js portal-launch`) and the
 * benchmark (`benchmarks/portal/targets.ts`), so the benchmark measures what
 * the image runs. The front process has its own (`front-process.ts`).
 *
 * Measured with `benchmarks/portal/bench.ts` and idle/peak VmRSS of the app
 * (Node 24, loaded 2-core machine): 80 MB with no flags; a 1 MiB semi-space
 * and no Maglev tier 75 MB (the app is not hot: its requests are the landing
 * page, API and log tails); one malloc arena and a fixed 32 KiB mmap
 * threshold (as the front) 70.4 MB. Sparkplug as the highest tier
 * (`--max-opt=1`, no Maglev or Turbofan) keeps the optimising compilers'
 * code pages and zones out of the process: 4.5 MB of the node binary's
 * pages were touched whenever a start-up loop (instance paths) happened to
 * get hot enough for Turbofan.
 * @module
 */

/** Node flags of the portal app process. */
export const PORTAL_APP_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--max-opt=1"];

/**
 * glibc malloc settings of the portal app process. glibc reads them once at
 * start-up, so {@link forgetLaunchEnv} removes them from the environment
 * afterwards: what the app spawns (provisioning jobs running user commands,
 * supervisorctl, the front process) must not inherit them.
 */
export const PORTAL_APP_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "32768" };

/** The launch settings as `NAME=value` lines then flag lines: what `node main.js portal-launch` prints for the supervisor script. */
export function launchLines(): string[] {
  return [...Object.entries(PORTAL_APP_MALLOC_ENV).map(([name, value]) => `${name}=${value}`), ...PORTAL_APP_NODE_FLAGS];
}

/** Drop {@link PORTAL_APP_MALLOC_ENV} from `process.env`; called first thing in the portal app process. */
export function forgetLaunchEnv(): void {
  for (const name of Object.keys(PORTAL_APP_MALLOC_ENV)) delete process.env[name];
}
