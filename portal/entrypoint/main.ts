/**
 * The entrypoint program: the container's PID 1 under tini, a program of its own beside the portal.
 * It runs the boot steps of instance-runtime.md §1, then waits on supervisord and exits with its
 * status. From source: `node portal/entrypoint/main.ts [flags]`; in the image, the bundled
 * program's `boot` mode (`node /opt/portal/main.js boot [flags]`, from entrypoint.sh) calls {@link main}.
 * It reaches portal code only through `portal/index.ts`.
 * @module
 */
import { runBoot } from "./boot.ts";

/** Boot with `argv` (the flags of §1.1) and exit with the status runBoot resolves. */
export async function main(argv: readonly string[]): Promise<never> {
  process.exit(await runBoot({ argv }));
}

if (import.meta.main) await main(process.argv.slice(2));
