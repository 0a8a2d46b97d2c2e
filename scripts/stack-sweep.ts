/**
 * The sweep of one stack: the Vast instances tagged for it (providers/vast/instance-tag.ts) that its
 * state does not hold, listed and, when asked, destroyed. Used by `npm run sweep` and `npm run recover`.
 */
import { VastClient } from "../providers/vast/client.ts";
import { resolveConfig } from "../providers/vast/config.ts";
import { findUntrackedInstances, type UntrackedInstance } from "../providers/vast/sweep.ts";
import { projectName, pulumi, type StackOptions } from "./pulumi-cli.ts";

const instanceType = "pulumi-nodejs:dynamic/vast:Instance";

async function configValue(options: StackOptions, key: string): Promise<string | undefined> {
  const run = await pulumi(options, ["config", "get", key], { withConfig: true });
  return run.code === 0 ? run.stdout.trim() : undefined;
}

/** A `VastInstance` in the stack's state: its resource name, Vast id and recorded outputs. */
export interface StateInstance {
  name: string;
  id: number;
  outputs: Record<string, unknown>;
}

/** The stack's name (`--stack`, else the selected one). */
export async function stackName(options: StackOptions): Promise<string> {
  return options.stack ?? (await pulumi(options, ["stack", "--show-name"])).stdout.trim();
}

/** The `VastInstance`s the stack's state holds (`pulumi stack export`). */
export async function stateInstances(options: StackOptions): Promise<StateInstance[]> {
  const exported = await pulumi(options, ["stack", "export"]);
  if (exported.code !== 0) throw new Error(`pulumi stack export failed: ${exported.stderr.trim()}`);
  type Resource = { type: string; urn: string; id?: string; outputs?: Record<string, unknown> };
  const resources = (JSON.parse(exported.stdout) as { deployment?: { resources?: Resource[] } }).deployment?.resources ?? [];
  return resources
    .filter((r) => r.type === instanceType && r.id)
    .map((r) => ({ name: r.urn.split("::").at(-1) ?? r.urn, id: Number(r.id), outputs: r.outputs ?? {} }));
}

/** A client for the stack's Vast account: `vast:apiUrl` from its config, the key from `VAST_API_KEY` or `vast:apiKey`. */
export async function stackClient(options: StackOptions): Promise<VastClient> {
  const apiUrl = await configValue(options, "vast:apiUrl");
  const apiKey = process.env.VAST_API_KEY || (await configValue(options, "vast:apiKey"));
  return new VastClient(resolveConfig({ apiUrl, apiKey }));
}

/** Lists (and with `destroy`, destroys) the stack's untracked instances; resolves what it found. */
export async function sweepStack(options: StackOptions, destroy: boolean): Promise<UntrackedInstance[]> {
  const stack = await stackName(options);
  const tracked = new Set((await stateInstances(options)).map((i) => i.id));
  const client = await stackClient(options);
  try {
    const project = projectName(options.cwd);
    const untracked = await findUntrackedInstances(client, { project, stack }, tracked);
    if (untracked.length === 0) {
      console.log(`sweep: no instance tagged for ${project}/${stack} is missing from its state (${tracked.size} in state)`);
      return [];
    }
    console.log(`sweep: ${untracked.length} instance(s) tagged for ${project}/${stack} that its state does not hold:`);
    for (const i of untracked)
      console.log(`  ${i.id}  ${i.status.padEnd(9)}  ${i.dphTotal === null ? "?" : `$${i.dphTotal.toFixed(3)}/h`}  ${i.tag}`);
    if (!destroy) {
      console.log("Run again with --destroy to destroy them.");
      return untracked;
    }
    for (const i of untracked) await client.destroyInstance(i.id);
    const deadline = Date.now() + 5 * 60_000;
    for (const i of untracked) {
      while ((await client.getInstance(i.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`sweep: destroyed ${untracked.map((i) => i.id).join(", ")}`);
    return untracked;
  } finally {
    await client.close();
  }
}
