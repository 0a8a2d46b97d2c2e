/**
 * `VastInstance.adoptId`: taking over an instance rented outside the stack, without renting. An
 * adopted instance keeps its own label (it gets no `vk:` tag, so the sweep never counts it as the
 * stack's and the stack budget leaves it out) unless `label` is set; label, state and bid still
 * follow the inputs in place. Destroying the resource destroys the instance: to let go of it
 * instead, set the `retainOnDelete: true` resource option first, as for volumes and templates.
 */
import { VastError, VastErrorCode } from "./errors.ts";
import type { InstanceInputs } from "./instance-inputs.ts";
import { labelWithTag } from "./instance-tag.ts";
import type { Instance } from "./schemas.ts";
import type { VastSession } from "./session.ts";

/** The instance `adoptId` names, marked adopted in this process (so a replaced predecessor's delete spares it). */
export async function adoptById(session: VastSession, adoptId: number): Promise<Instance> {
  const instance = await session.client.getInstance(adoptId);
  if (!instance)
    throw new VastError(
      VastErrorCode.notFound,
      `adoptId: instance ${adoptId} is not among the account's instances (\`vastai show instances\`)`,
    );
  session.adopted.add(instance.id);
  return instance;
}

/** The Vast label these inputs want: the user's label and the tag; for an adopted instance the label alone, or undefined to keep its own. */
export function wantedLabel(inputs: InstanceInputs, tag: string): string | undefined {
  if (inputs.adoptId === undefined) return labelWithTag(inputs.label, tag);
  return inputs.label;
}

/**
 * Replacements of an adopted instance: only another `adoptId` is another instance; the inputs that
 * would replace a rented one describe nothing an adopted one was made with.
 */
export function adoptedReplaces(id: string, news: InstanceInputs): string[] | undefined {
  if (news.adoptId === undefined) return undefined;
  return news.adoptId === Number(id) ? [] : ["adoptId"];
}
