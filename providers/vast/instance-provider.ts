/**
 * What a `VastInstance` does: find an offer, rent it without ever renting twice, wait for it, and
 * keep label, state and bid in step. Create records the id before waiting, so a failed wait leaves
 * the instance in Pulumi's state rather than billing unseen (pulumi.md §2.2).
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { checkInputs } from "../_check.ts";
import type { CreateInstanceBody } from "./client.ts";
import type { ProviderSettings } from "./config.ts";
import { envProblems, toInstanceEnv } from "./env-spec.ts";
import { isAmbiguous, isOfferGone, VastError, VastErrorCode } from "./errors.ts";
import { InstanceInputs, replacingInputs } from "./instance-inputs.ts";
import { goneProgress, observe, runningProgress, stoppedProgress, type ObservedInstance } from "./instance-status.ts";
import { buildOfferQuery, defaultOfferTries } from "./offer-query.ts";
import { sessionFor, type VastSession } from "./session.ts";

/** Outputs of a `VastInstance`: its inputs plus what was observed. */
export type InstanceOutputs = InstanceInputs & ObservedInstance & { offerId: number };

const deleteTimeoutMs = 5 * 60_000;

function progressLine(id: number | string, message: string): void {
  // The engine shows a dynamic provider's stderr beside the resource (pulumi.md §7.4).
  console.error(`vast instance ${id}: ${message}`);
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(InstanceInputs, news, (inputs) =>
    envProblems(inputs.env, inputs.ports, false).map((reason) => ({ property: "env", reason })));
}

export async function diff(_id: string, olds: InstanceOutputs, news: InstanceInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = (key: keyof InstanceInputs) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
  const replaces: string[] = replacingInputs.filter((key) => key !== "offerId" ? changed(key) : news.offerId !== undefined && changed(key));
  // Switching between on-demand and interruptible is a new contract; a new bid on a bid is not.
  if ((olds.bidPrice === undefined) !== (news.bidPrice === undefined)) replaces.push("bidPrice");
  const inPlace = (["label", "state", "bidPrice", "readyTimeoutSeconds"] as const).filter(changed);
  return { changes: replaces.length > 0 || inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

export async function create(settings: ProviderSettings, inputs: InstanceInputs & { __provider?: string }): Promise<pulumi.dynamic.CreateResult> {
  const session = sessionFor(settings);
  const { id, offerId } = await rent(session, inputs);
  const label = inputs.label ?? "";
  try {
    // The create tag served its purpose; give the instance the label the user asked for.
    await session.client.manageInstance(id, { label });
    const instance = inputs.state === "stopped" ? await session.client.getInstance(id) : await waitRunning(session, id, inputs.readyTimeoutSeconds);
    if (!instance) throw new VastError(VastErrorCode.instanceFailed, `instance ${id} disappeared right after it was created`);
    return { id: String(id), outs: { ...inputs, ...observe(instance), offerId } };
  } catch (error) {
    // Keep the instance in state so `pulumi destroy` (or the next `up`) can deal with it.
    const partial = { ...inputs, instanceId: id, offerId, label, status: "unknown" };
    throw Object.assign(new Error(`Vast instance ${id} was created on offer ${offerId} but is not ready: ${(error as Error).message}. It is recorded in the stack; run \`pulumi up\` to retry or \`pulumi destroy\` to remove it.`), { id: String(id), properties: partial, reasons: [(error as Error).message] });
  }
}

/**
 * Rents one offer. Every attempt carries a unique label; when an attempt's answer is lost (timeout,
 * reset, 5xx) we look for that label before trying again, and adopt what we find (vast-api.md §5.4).
 * Each attempt picks the best offer nobody in this process is renting right now: the pick and the
 * claim happen without an await in between, so concurrent creates never race for one offer.
 */
async function rent(session: VastSession, inputs: InstanceInputs): Promise<{ id: number; offerId: number }> {
  const { client, claimedOffers } = session;
  const tries = inputs.offer?.tries ?? defaultOfferTries;
  const tried = new Set<number>();
  const failures: string[] = [];
  while (tried.size < tries || (inputs.offerId !== undefined && failures.length < tries)) {
    const offerId = inputs.offerId ?? (await nextUnclaimedOffer(session, inputs, tried));
    if (offerId === undefined) break;
    tried.add(offerId);
    claimedOffers.add(offerId);
    const createTag = `vast-kit-${randomUUID()}`;
    try {
      return { id: await client.createInstance(offerId, createBody(inputs, createTag)), offerId };
    } catch (error) {
      claimedOffers.delete(offerId);
      if (isAmbiguous(error)) {
        const adopted = await client.listInstances({ label: { eq: createTag } });
        if (adopted[0]) {
          claimedOffers.add(offerId);
          progressLine(adopted[0].id, `adopted after a lost create answer on offer ${offerId}`);
          return { id: adopted[0].id, offerId };
        }
        failures.push(`offer ${offerId}: ${(error as Error).message}`);
      } else if (isOfferGone(error)) {
        failures.push(`offer ${offerId}: ${(error as VastError).vastMessage ?? (error as Error).message}`);
        if (inputs.offerId !== undefined) break;
      } else {
        throw error;
      }
    }
  }
  if (failures.length === 0) {
    throw new VastError(VastErrorCode.noOffer, `no Vast offer matches ${JSON.stringify(inputs.offer?.filter)}${inputs.offer?.maxPricePerHour ? ` at or below $${inputs.offer.maxPricePerHour}/h` : ""}; widen the filter or raise maxPricePerHour`);
  }
  throw new VastError(VastErrorCode.noOffer, `could not rent any of ${failures.length} offer(s) tried: ${failures.join("; ")}`);
}

/**
 * The best matching offer that this create has not tried and no other create here is renting.
 * Each search asks for as many offers as could be claimed by the creates searching right now,
 * so concurrent creates each find a free one in their first page.
 */
async function nextUnclaimedOffer(session: VastSession, inputs: InstanceInputs, tried: ReadonlySet<number>): Promise<number | undefined> {
  const skip = (id: number) => tried.has(id) || session.claimedOffers.has(id);
  session.offerSearchers++;
  try {
    for (;;) {
      // Vast caps a page at 64 offers (vast-api.md §3.1).
      const limit = Math.min(64, tried.size + session.claimedOffers.size + session.offerSearchers);
      const offers = await session.client.searchOffers(buildOfferQuery({ ...inputs.offer!, tries: limit }, inputs.diskGb));
      const free = offers.map((o) => o.id).find((id) => !skip(id));
      // A full page with nothing free means other creates claimed offers meanwhile: look further.
      if (free !== undefined || offers.length < limit || limit === 64) return free;
    }
  } finally {
    session.offerSearchers--;
  }
}

function createBody(inputs: InstanceInputs, label: string): CreateInstanceBody {
  return {
    client_id: "me",
    image: inputs.image ?? null,
    template_hash_id: inputs.templateHashId ?? null,
    label,
    disk: inputs.diskGb,
    env: toInstanceEnv(inputs.env, inputs.ports),
    ...(inputs.runtype ? { runtype: inputs.runtype } : {}),
    ...(inputs.onstart ? { onstart: inputs.onstart } : {}),
    ...(inputs.args ? { args: inputs.args } : {}),
    price: inputs.bidPrice ?? null,
    target_state: inputs.state,
    cancel_unavail: true,
    ...(inputs.imageLogin ? { image_login: inputs.imageLogin } : {}),
  };
}

function waitRunning(session: VastSession, id: number, timeoutSeconds: number) {
  progressLine(id, "waiting until running");
  return session.watcher.wait({
    id, goal: "become running", progress: runningProgress, deadline: Date.now() + timeoutSeconds * 1000,
    onStatus: (status) => progressLine(id, status),
  });
}

export async function update(settings: ProviderSettings, id: string, olds: InstanceOutputs, news: InstanceInputs): Promise<pulumi.dynamic.UpdateResult> {
  const session = sessionFor(settings);
  const instanceId = Number(id);
  if ((news.label ?? "") !== olds.label) await session.client.manageInstance(instanceId, { label: news.label ?? "" });
  if (news.bidPrice !== undefined && news.bidPrice !== olds.bidPrice) await session.client.changeBid(instanceId, news.bidPrice);
  // A start also revives an instance that was found not running (e.g. after a failed create).
  const changeState = news.state !== olds.intendedStatus || (news.state === "running" && olds.status !== "running");
  if (changeState) await session.client.manageInstance(instanceId, { state: news.state });
  const instance = !changeState
    ? await session.client.getInstance(instanceId)
    : news.state === "running"
      ? await waitRunning(session, instanceId, news.readyTimeoutSeconds)
      : await session.watcher.wait({ id: instanceId, goal: "stop", progress: stoppedProgress, deadline: Date.now() + deleteTimeoutMs });
  if (!instance) throw new VastError(VastErrorCode.instanceFailed, `instance ${id} is gone; run \`pulumi refresh\` to drop it from the stack`);
  return { outs: { ...news, ...observe(instance), offerId: olds.offerId } };
}

export async function read(settings: ProviderSettings, id: string, props: InstanceOutputs): Promise<pulumi.dynamic.ReadResult> {
  const instance = await sessionFor(settings).client.getInstance(Number(id));
  // A blank id tells the engine the resource is gone (ReadResult.id: "blank if missing").
  if (!instance) return { id: "" };
  const observed = observe(instance);
  const inputs = Object.fromEntries(Object.keys(InstanceInputs.shape).filter((k) => k in props).map((k) => [k, props[k as keyof InstanceOutputs]]));
  // A label changed outside Pulumi shows as drift of the label input.
  return { id, props: { ...props, ...observed }, inputs: { ...inputs, label: observed.label, state: observed.intendedStatus === "stopped" ? "stopped" : "running" } };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  const session = sessionFor(settings);
  const instanceId = Number(id);
  await session.client.destroyInstance(instanceId);
  await session.watcher.wait({ id: instanceId, goal: "be destroyed", progress: goneProgress, deadline: Date.now() + deleteTimeoutMs });
}
