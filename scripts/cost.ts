/**
 * `npm run cost -- [--stack S] [--config-file F] [--cwd DIR] [--json]`
 *
 * Prints the stack's instances with their $/hour, the total, and what they have cost so far
 * according to Vast's charges (scripts/stack-cost.ts); `--json` prints the same for machines.
 */
import { stackOptions } from "./pulumi-cli.ts";
import { costTable, stackCost } from "./stack-cost.ts";

const options = stackOptions("usage: npm run cost -- [--stack S] [--config-file F] [--cwd DIR] [--json]");
stackCost(options).then(
  (cost) => console.log(options.json ? JSON.stringify(cost, null, 2) : costTable(cost)),
  (error: unknown) => {
    console.error(`cost: ${(error as Error).message}`);
    process.exit(1);
  },
);
