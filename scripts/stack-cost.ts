/**
 * What a stack costs (issue 12 item 4): its instances as its state records them, each with its
 * $/hour as Vast reports it now (`dph_total`; nothing for one that is gone) and what it has cost
 * so far according to Vast's charges (`GET /charges/`, vast-api-more.md §6), summed per instance
 * from the earliest instance's creation. One instance list and one charges read (paged), so it
 * stays within Vast's rate limits however large the stack.
 */
import { spentPerInstance } from "../providers/vast/charges.ts";
import type { StackOptions } from "./pulumi-cli.ts";
import { stackClient, stackName, stateInstances } from "./stack-sweep.ts";

/** One instance of the stack. */
export interface InstanceCost {
  /** The Pulumi resource name, e.g. `fleet-0`. */
  resource: string;
  instanceId: number;
  /** `actual_status` now; `destroyed` when Vast no longer has it. */
  status: string;
  /** $/hour now (Vast's `dph_total`); 0 when destroyed. */
  pricePerHour: number;
  /** Dollars charged so far, from Vast's charges. */
  spent: number;
}

/** The stack's cost, as `npm run cost -- --json` prints it. */
export interface StackCost {
  stack: string;
  instances: InstanceCost[];
  /** Sum of the instances' $/hour. */
  pricePerHour: number;
  /** Sum of what they have cost so far, in dollars. */
  spent: number;
  /** Epoch seconds: the charges read start at the earliest instance's creation. */
  since: number | null;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

const DAY_SECONDS = 86_400;

/** Reads the stack's state, the live instances and their charges. */
export async function stackCost(options: StackOptions): Promise<StackCost> {
  const stack = await stackName(options);
  const recorded = (await stateInstances(options)).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  const client = await stackClient(options);
  try {
    const ids = recorded.map((i) => i.id);
    const live = new Map(ids.length > 0 ? (await client.listInstances({ id: { in: ids } })).map((i) => [i.id, i]) : []);
    const starts = [...live.values()].map((i) => Number(i["start_date"])).filter((s) => Number.isFinite(s) && s > 0);
    const since = starts.length > 0 ? Math.min(...starts) : null;
    // Charges are filtered by UTC day, on Vast's clock: a day past this machine's "now" keeps a
    // clock behind Vast's from cutting off today's last rows (none can be in the future).
    const until = Date.now() / 1000 + DAY_SECONDS;
    const spent = since === null ? new Map<number, number>() : spentPerInstance(await client.listCharges(since, until, ["instance"]));
    const instances = recorded.map(({ name, id }): InstanceCost => {
      const instance = live.get(id);
      return {
        resource: name,
        instanceId: id,
        status: instance ? (instance.actual_status ?? "provisioning") : "destroyed",
        pricePerHour: instance?.dph_total ?? 0,
        spent: spent.get(id) ?? 0,
      };
    });
    return {
      stack,
      instances,
      pricePerHour: sum(instances.map((i) => i.pricePerHour)),
      spent: sum(instances.map((i) => i.spent)),
      since,
    };
  } finally {
    await client.close();
  }
}

/** The cost as a table for people. */
export function costTable(cost: StackCost): string {
  const rows = [
    ["resource", "instance", "status", "$/hour", "spent"],
    ...cost.instances.map((i) => [i.resource, String(i.instanceId), i.status, i.pricePerHour.toFixed(4), `$${i.spent.toFixed(4)}`]),
    ["total", "", "", cost.pricePerHour.toFixed(4), `$${cost.spent.toFixed(4)}`],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column >= 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  const since = cost.since === null ? "" : ` since ${new Date(cost.since * 1000).toISOString()}`;
  return [`stack ${cost.stack}: ${cost.instances.length} instance(s); spent is from Vast's charges${since}`, ...rows.map(line)].join("\n");
}
