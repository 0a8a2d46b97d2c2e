/**
 * `npm run recover -- [--stack S] [--config-file F] [--cwd DIR] [--destroy]`
 *
 * After an interrupted `pulumi up` or `pulumi destroy` (a killed process, a cancelled CI job, a
 * closed laptop), in one non-interactive command:
 * 1. clears the lock the killed run left on the stack, unless its process still runs here;
 * 2. runs `pulumi up --yes` (creates that were under way adopt the instances they had already
 *    rented, by their tags) or, with `--destroy`, `pulumi destroy --yes`;
 * 3. sweeps: lists instances tagged for the stack that its state still does not hold, and with
 *    `--destroy` destroys them too.
 * Exits non-zero when the `up` or `destroy` failed.
 */
import { hostname } from "node:os";
import { pulumi, stackOptions } from "./pulumi-cli.ts";
import { sweepStack } from "./stack-sweep.ts";

const options = stackOptions("usage: npm run recover -- [--stack S] [--config-file F] [--cwd DIR] [--destroy]");
const operation = options.destroy ? ["destroy", "--yes"] : ["up", "--yes"];

/** The pid of the live process holding the stack's lock on this machine, if any. */
function liveLockHolder(message: string): number | undefined {
  const match = /created by [^@\s]+@(\S+) \(pid (\d+)\)/.exec(message);
  if (!match || match[1] !== hostname()) return undefined;
  try {
    process.kill(Number(match[2]), 0);
    return Number(match[2]);
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  let run = await pulumi(options, operation, { echo: true, withConfig: true });
  if (run.code !== 0 && /currently locked/.test(run.stderr + run.stdout)) {
    const holder = liveLockHolder(run.stderr + run.stdout);
    if (holder !== undefined) {
      console.error(`recover: pulumi (pid ${holder}) is still running on this stack; let it finish or stop it, then run recover again`);
      return 1;
    }
    console.log("recover: the stack is locked by a run that no longer exists; clearing its lock");
    const cancel = await pulumi(options, ["cancel", "--yes"], { echo: true });
    if (cancel.code !== 0) return cancel.code;
    run = await pulumi(options, operation, { echo: true, withConfig: true });
  }
  await sweepStack(options, options.destroy);
  return run.code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`recover: ${(error as Error).message}`);
    process.exit(1);
  },
);
