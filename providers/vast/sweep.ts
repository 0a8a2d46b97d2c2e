/**
 * Finding instances a stack rented but does not hold: tagged for the stack (instance-tag.ts), yet
 * not in its state, as after an interrupted `up` whose program then changed, or a `destroy` run
 * over pending creates. Never returns an untagged instance or another stack's.
 */
import type { VastClient } from "./client.ts";
import { observe } from "./instance-status.ts";
import { stackTagOf } from "./instance-tag.ts";

/** An instance tagged for the stack that its state does not hold. */
export interface UntrackedInstance {
  id: number;
  /** The resource name in its tag. */
  resource: string;
  tag: string;
  status: string;
  dphTotal: number | null;
}

/** Every live instance tagged for `project`/`stack` whose id is not in `trackedIds`. */
export async function findUntrackedInstances(
  client: VastClient,
  owner: { project: string; stack: string },
  trackedIds: ReadonlySet<number>,
): Promise<UntrackedInstance[]> {
  const untracked: UntrackedInstance[] = [];
  for (const instance of await client.listInstances()) {
    const tag = stackTagOf(instance.label, owner);
    if (!tag || trackedIds.has(instance.id)) continue;
    const { status, dphTotal } = observe(instance);
    untracked.push({ id: instance.id, resource: decodeURIComponent(tag.resource), tag: tag.tag, status, dphTotal });
  }
  return untracked;
}
