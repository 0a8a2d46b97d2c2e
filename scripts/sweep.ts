/**
 * `npm run sweep -- [--stack S] [--config-file F] [--cwd DIR] [--destroy]`
 *
 * Lists the Vast instances tagged for the stack that its state does not hold (left by an
 * interrupted `up` whose program changed before it was run again, or by a `destroy` over pending
 * creates); `--destroy` destroys them. Untagged instances and other stacks' are never touched.
 */
import { stackOptions } from "./pulumi-cli.ts";
import { sweepStack } from "./stack-sweep.ts";

const options = stackOptions("usage: npm run sweep -- [--stack S] [--config-file F] [--cwd DIR] [--destroy]");
sweepStack(options, options.destroy).catch((error: unknown) => {
  console.error(`sweep: ${(error as Error).message}`);
  process.exit(1);
});
