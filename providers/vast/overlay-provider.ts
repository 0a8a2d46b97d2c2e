/**
 * What a `VastOverlay` and a `VastOverlayMember` do (vast-api-more.md §5.2): an overlay network on
 * a cluster, and an instance in it. The create answers `{"msg"}` without an id, so the new overlay
 * is found in the list by name; names are unique per account, so the create refuses to start when
 * the name is already listed (it would otherwise adopt someone else's overlay), and the overlay of
 * that name after a successful create is this one. Vast has no call to take one instance out of
 * an overlay: deleting a member only drops it from the stack.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { AccountKey, clientFor, createThenFind, replaceWhenChanged } from "./account-inputs.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { createOverlay, deleteOverlay, joinOverlay, listOverlays } from "./team-api.ts";
import type { Overlay } from "./team-schemas.ts";

/** `[a-z0-9-]`: the only names the CLI's `-n <overlay>` create-time form can reach (§5.2). */
const overlayName = z.string().regex(/^[a-z0-9-]{1,64}$/, "must be 1 to 64 lower-case letters, digits or '-' (what `-n <name>` can reach)");

export const OverlayInputs = z.strictObject({
  /** The cluster the overlay runs on (`VastCluster.clusterId`). */
  clusterId: z.number().int().positive("must be a cluster id"),
  /** The overlay's name, unique in the account. */
  name: overlayName,
  /** The account's key; defaults to the stack's key. */
  accountKey: AccountKey,
});
export type OverlayInputs = z.infer<typeof OverlayInputs>;
export interface OverlayOutputs extends OverlayInputs {
  overlayId: number;
  internalSubnet: string | null;
  /** Instances in the overlay, as of the last create or refresh. */
  instanceIds: number[];
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(OverlayInputs, news);
}

export async function diff(_id: string, olds: OverlayOutputs, news: OverlayInputs): Promise<pulumi.dynamic.DiffResult> {
  return replaceWhenChanged(["clusterId", "name", "accountKey"], olds, news, true);
}

export async function create(settings: ProviderSettings, inputs: OverlayInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  const named = async () => (await listOverlays(client)).find((o) => o.name === inputs.name);
  const existing = await named();
  if (existing) throw new VastError(VastErrorCode.invalidInput, `name: overlay ${existing.overlay_id} is already called "${inputs.name}"`);
  const overlay = await createThenFind(() => createOverlay(client, inputs.clusterId, inputs.name), named);
  if (!overlay)
    throw new VastError(VastErrorCode.outcomeUnknown, `overlay "${inputs.name}" is not listed after its create; run \`pulumi up\` again`);
  return { id: String(overlay.overlay_id), outs: overlayOutputs(inputs, overlay) };
}

function overlayOutputs(inputs: OverlayInputs, overlay: Overlay): OverlayOutputs {
  return {
    ...inputs,
    overlayId: overlay.overlay_id,
    internalSubnet: overlay.internal_subnet ?? null,
    instanceIds: overlay.instances ?? [],
  };
}

export async function read(settings: ProviderSettings, id: string, props: OverlayOutputs): Promise<pulumi.dynamic.ReadResult> {
  const overlay = (await listOverlays(clientFor(settings, props.accountKey))).find((o) => o.overlay_id === Number(id));
  return overlay ? { id, props: overlayOutputs(props, overlay) } : { id: "" };
}

export async function remove(settings: ProviderSettings, id: string, props: OverlayOutputs): Promise<void> {
  await deleteOverlay(clientFor(settings, props.accountKey), Number(id));
}

export const overlayKind = vastKind<OverlayInputs, OverlayOutputs>({ check, diff, create, read, remove });

export const OverlayMemberInputs = z.strictObject({
  /** The overlay's name (`VastOverlay.name`). */
  overlayName,
  /** The instance to join; its machine must be in the overlay's cluster. */
  instanceId: z.number().int().positive("must be an instance id"),
  /** The account's key; defaults to the stack's key. */
  accountKey: AccountKey,
});
export type OverlayMemberInputs = z.infer<typeof OverlayMemberInputs>;

export async function checkMember(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(OverlayMemberInputs, news);
}

export async function diffMember(_id: string, olds: OverlayMemberInputs, news: OverlayMemberInputs): Promise<pulumi.dynamic.DiffResult> {
  return replaceWhenChanged(["overlayName", "instanceId", "accountKey"], olds, news, false);
}

export async function createMember(settings: ProviderSettings, inputs: OverlayMemberInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = clientFor(settings, inputs.accountKey);
  // Joining twice changes nothing, so a retry after a lost answer is safe.
  await joinOverlay(client, inputs.overlayName, inputs.instanceId);
  const overlay = (await listOverlays(client)).find((o) => o.name === inputs.overlayName);
  if (!overlay) throw new VastError(VastErrorCode.notFound, `overlayName: no overlay is called "${inputs.overlayName}"`);
  return { id: `${overlay.overlay_id}/${inputs.instanceId}`, outs: inputs };
}

export async function readMember(settings: ProviderSettings, id: string, props: OverlayMemberInputs): Promise<pulumi.dynamic.ReadResult> {
  const overlayId = Number(id.split("/")[0]);
  const overlay = (await listOverlays(clientFor(settings, props.accountKey))).find((o) => o.overlay_id === overlayId);
  return overlay?.instances?.includes(props.instanceId) ? { id, props } : { id: "" };
}

/** No call takes one instance out of an overlay (§5.2): the membership ends with the instance or the overlay. */
export async function removeMember(_settings: ProviderSettings, id: string): Promise<void> {
  console.error(
    `vast overlay member ${id}: stays in the overlay until the instance or the overlay is destroyed (Vast has no call to leave one)`,
  );
}

export const overlayMemberKind = vastKind<OverlayMemberInputs, OverlayMemberInputs>({
  check: checkMember,
  diff: diffMember,
  create: createMember,
  read: readMember,
  remove: removeMember,
});
