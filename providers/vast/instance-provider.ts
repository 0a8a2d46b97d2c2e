/**
 * What a `VastInstance` does: rent an offer without ever billing twice or unseen, wait for it, keep
 * label, state and bid in step, and notice on every `up` an instance changed outside Pulumi.
 *
 * Money safety rests on the tag (instance-tag.ts): every rent carries it in its label, and before
 * renting, create looks for live instances that carry it and adopts one, so a `pulumi up` that
 * was killed mid-create and is run again ends with the same instances, not twice as many. A create
 * whose answer is lost is never followed by another rent until the list says what happened.
 * Create records the id before waiting, so a failed wait leaves the instance in Pulumi's state
 * (pulumi.md §2.2).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type * as pulumi from "@pulumi/pulumi";
import { checkInputs } from "../dynamic/index.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { driftFound, leavesStopped, WhenDestroyed, WhenStopped, type InstanceDrift } from "./drift-policy.ts";
import { envProblems, toInstanceEnv } from "./env-spec.ts";
import { InstanceNotReadyError, isAmbiguous, isOfferGone, VastError, VastErrorCode } from "./errors.ts";
import { InstanceInputs, replacingInputs } from "./instance-inputs.ts";
import { goneProgress, observe, runningProgress, stoppedProgress, type ObservedInstance } from "./instance-status.ts";
import { instanceTag, labelWithTag, specHash } from "./instance-tag.ts";
import { buildOfferQuery, defaultOfferTries } from "./offer-query.ts";
import { portalWaitOf, waitForPortal, type PortalWaitInput } from "./portal-wait.ts";
import { adoptById, adoptedReplaces, wantedLabel } from "./instance-adoption.ts";
import { isOutbid, outbidDrift } from "./outbid.ts";
import type { CreateInstanceBody, Instance } from "./schemas.ts";
import { sessionFor, type VastSession } from "./session.ts";
import { StackSpend } from "./stack-budget.ts";

/**
 * Outputs of a `VastInstance`: its inputs plus what was observed. `offerId` is null for an adopted
 * instance; `drift` records a change made outside Pulumi that the policy left in place.
 */
export type InstanceOutputs = InstanceInputs & ObservedInstance & { offerId: number | null; drift?: InstanceDrift | null };

const deleteTimeoutMs = 5 * 60_000;

function progressLine(id: number | string, message: string): void {
  // The engine shows a dynamic provider's stderr beside the resource (pulumi.md §7.4).
  console.error(`vast instance ${id}: ${message}`);
}

/** The tag of the instance these inputs describe: a replacement's inputs give a new one. */
export function tagFor(inputs: InstanceInputs): string {
  const spec = Object.fromEntries(replacingInputs.map((key) => [key, inputs[key]]));
  return instanceTag(inputs.owner, specHash({ ...spec, interruptible: inputs.bidPrice !== undefined }));
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(InstanceInputs, news, (inputs) =>
    envProblems(inputs.env, inputs.ports, false).map((reason) => ({ property: "env", reason })),
  );
}

export async function diff(
  id: string,
  olds: InstanceOutputs,
  news: InstanceInputs,
  settings: ProviderSettings = {},
): Promise<pulumi.dynamic.DiffResult> {
  const changed = (key: keyof InstanceInputs) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
  const adopted = news.adoptId !== undefined;
  const replaces: string[] =
    adoptedReplaces(id, news) ??
    replacingInputs.filter((key) => (key !== "offerId" ? changed(key) : news.offerId !== undefined && changed(key)));
  // Switching between on-demand and interruptible is a new contract; a new bid on a bid is not.
  if (!adopted && (olds.bidPrice === undefined) !== (news.bidPrice === undefined)) replaces.push("bidPrice");
  const inPlace: string[] = (["state", "bidPrice", "readyTimeoutSeconds", "waitForPortal", "whenOutbid"] as const).filter(changed);
  // An instance recorded before the policies existed had the defaults: no update just to record them.
  if ((olds.whenStopped ?? WhenStopped.start) !== news.whenStopped) inPlace.push("whenStopped");
  if ((olds.whenDestroyed ?? WhenDestroyed.recreate) !== news.whenDestroyed) inPlace.push("whenDestroyed");
  // The observed label is "" where the input was left out; an adopted instance keeps its own unless told.
  if ((!adopted || news.label !== undefined) && (olds.label ?? "") !== (news.label ?? "")) inPlace.push("label");
  // An instance rented before tags existed, or relabelled in the console, gets its tag back.
  if (replaces.length === 0 && !adopted && olds.tag !== tagFor(news)) inPlace.push("tag");
  if (replaces.length === 0) replaces.push(...(await driftOf(sessionFor(settings), id, olds, news, inPlace)));
  return { changes: replaces.length > 0 || inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

/**
 * What changed on Vast since the last deployment, so `up` acts on it without a `refresh`, as the
 * policies say (drift-policy.ts): a gone instance is replaced, or with `whenDestroyed: leave`
 * recorded as destroyed; one stopped against the desired state is started, or with `whenStopped:
 * leave` recorded as stopped; one exited or preempted against the desired state is started (or
 * stopped). Every finding prints a line beside the resource in the preview. Returns the properties
 * that force a replacement.
 */
async function driftOf(
  session: VastSession,
  id: string,
  olds: InstanceOutputs,
  news: InstanceInputs,
  inPlace: string[],
): Promise<string[]> {
  let instance: Instance | undefined;
  try {
    instance = await session.lookup.withId(Number(id));
  } catch (error) {
    progressLine(id, `could not check for changes made outside Pulumi (${(error as Error).message}); comparing inputs only`);
    return [];
  }
  if (!instance) {
    if (news.whenDestroyed === WhenDestroyed.recreate) {
      progressLine(id, "is gone (destroyed outside Pulumi): a new instance will replace it (whenDestroyed: recreate)");
      return ["instanceId"];
    }
    const recorded = olds.drift?.found === "destroyed";
    progressLine(
      id,
      `is gone (destroyed outside Pulumi)${recorded ? "" : ": recording it as destroyed"}; nothing is rented (whenDestroyed: leave)`,
    );
    if (!recorded) inPlace.push("status");
    return [];
  }
  if (isOutbid(instance)) {
    const { replaces, message } = outbidDrift(news.whenOutbid);
    progressLine(id, message);
    return replaces;
  }
  const { status, intendedStatus } = observe(instance);
  if (leavesStopped(instance, olds, news) && !inPlace.includes("state")) {
    const recorded = olds.drift?.found === "stopped";
    progressLine(
      id,
      `is ${status} (stopped outside Pulumi)${recorded ? "" : ": recording it as stopped"}; it stays stopped (whenStopped: leave)`,
    );
    if (!recorded) inPlace.push("status");
    return [];
  }
  // Started again outside Pulumi after a recorded drift: the record goes.
  if (olds.drift && !inPlace.includes("status")) inPlace.push("status");
  const settled = ["running", "exited", "stopped", "offline", "unknown"].includes(status);
  const wrongState =
    news.state === "running" ? intendedStatus !== "running" || (settled && status !== "running") : intendedStatus !== "stopped";
  if (wrongState && !inPlace.includes("state")) {
    progressLine(
      id,
      `is ${status} (intended ${intendedStatus}) but should be ${news.state}: it will be ${news.state === "running" ? `started${intendedStatus === "stopped" ? " (whenStopped: start)" : ""}` : "stopped"}`,
    );
    inPlace.push("state");
  }
  return [];
}

export async function create(
  settings: ProviderSettings,
  inputs: InstanceInputs & { __provider?: string },
): Promise<pulumi.dynamic.CreateResult> {
  const session = sessionFor(settings);
  if (inputs.adoptId !== undefined) {
    const instance = await adoptById(session, inputs.adoptId);
    progressLine(instance.id, "adopted by adoptId: nothing rented");
    // Label, state and bid follow the inputs, as on any update.
    const { outs } = await update(settings, String(instance.id), { ...inputs, ...observe(instance) } as InstanceOutputs, inputs);
    return { id: String(instance.id), outs };
  }
  const tag = tagFor(inputs);
  const label = labelWithTag(inputs.label, tag);
  const { id, offerId } = (await adoptTagged(session, label)) ?? (await rent(session, inputs, label));
  try {
    const instance =
      inputs.state === "stopped"
        ? await stopIfRunning(session, id)
        : await waitRunning(session, id, inputs.readyTimeoutSeconds, inputs.waitForPortal);
    if (!instance) throw new VastError(VastErrorCode.instanceFailed, `instance ${id} disappeared right after it was created`);
    return { id: String(id), outs: { ...inputs, ...observe(instance), offerId, drift: null } };
  } catch (error) {
    // Keep the instance in state so `pulumi destroy` (or the next `up`) can deal with it.
    const partial = { ...inputs, instanceId: id, offerId, label: inputs.label ?? "", tag, status: "unknown" };
    throw new InstanceNotReadyError(
      `Vast instance ${id} (${tag}) was rented but is not ready: ${(error as Error).message}. It is recorded in the stack; run \`pulumi up\` to retry or \`pulumi destroy\` to remove it.`,
      String(id),
      partial,
      error as Error,
    );
  }
}

/** Healthier first: running, then still coming up; a failed one is never adopted. */
function adoptionRank(instance: Instance): number {
  const progress = runningProgress(instance);
  if (progress.kind === "done") return 0;
  if (instance.intended_status === "stopped" && progress.kind === "failed") return 2;
  return progress.kind === "waiting" ? 1 : 3;
}

/**
 * Adopts a live instance that carries this exact label: one rented by an earlier `up` that was
 * interrupted before Pulumi recorded it. Any other instance with the label is a duplicate nothing
 * else can own, and is destroyed.
 */
async function adoptTagged(session: VastSession, label: string): Promise<{ id: number; offerId: null } | undefined> {
  const found = await session.lookup.withLabel(label).catch((error: unknown) => {
    if (!isAmbiguous(error)) throw error;
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `could not look for an instance already rented with the label "${label}", so nothing was rented: ${(error as Error).message}`,
      { cause: error },
    );
  });
  found.sort((a, b) => adoptionRank(a) - adoptionRank(b));
  const [best, ...rest] = found;
  const keep = best && adoptionRank(best) < 3 ? best : undefined;
  for (const duplicate of keep ? rest : found) {
    progressLine(
      duplicate.id,
      `destroyed: it carries this resource's tag but cannot be adopted (${duplicate.actual_status ?? "provisioning"})`,
    );
    await session.client.destroyInstance(duplicate.id);
  }
  if (!keep) return undefined;
  session.adopted.add(keep.id);
  progressLine(keep.id, `adopted: rented earlier with this resource's tag (${keep.actual_status ?? "provisioning"})`);
  return { id: keep.id, offerId: null };
}

/**
 * Rents one offer. Each attempt claims the best offer no other create here is renting; when an
 * attempt's answer is lost (timeout, reset, 5xx), nothing else is rented until the tag is found
 * or the list has said for a while that it is not there (vast-api.md §5.4).
 */
async function rent(session: VastSession, inputs: InstanceInputs, label: string): Promise<{ id: number; offerId: number }> {
  const tries = inputs.offer?.tries ?? defaultOfferTries;
  const tried = new Set<number>();
  const failures: string[] = [];
  while (tried.size < tries) {
    const offerId = inputs.offerId ?? (await session.offers.claim(buildOfferQuery(inputs.offer!, inputs.diskGb), tried));
    if (offerId === undefined) break;
    tried.add(offerId);
    const release = await reserveBudget(session, inputs, offerId);
    try {
      return { id: await session.client.createInstance(offerId, createBody(inputs, label)), offerId };
    } catch (error) {
      // The reservation stays only if the create went through after all.
      const found = isAmbiguous(error) ? await settleUnknownOutcome(session, label, offerId, error as VastError) : undefined;
      if (found) return { id: found.id, offerId };
      release();
      if (isAmbiguous(error)) {
        failures.push(`offer ${offerId}: ${(error as Error).message}, and no instance with this tag appeared`);
      } else if (isOfferGone(error)) {
        failures.push(`offer ${offerId}: ${(error as VastError).vastMessage ?? (error as Error).message}`);
      } else {
        throw error;
      }
      if (inputs.offerId !== undefined) break;
    }
  }
  if (failures.length === 0) {
    throw new VastError(
      VastErrorCode.noOffer,
      `no Vast offer matches ${JSON.stringify(inputs.offer?.filter)}${inputs.offer?.maxPricePerHour ? ` at or below $${inputs.offer.maxPricePerHour}/h` : ""}; widen the filter or raise maxPricePerHour`,
    );
  }
  throw new VastError(VastErrorCode.noOffer, `could not rent any of ${failures.length} offer(s) tried: ${failures.join("; ")}`);
}

/**
 * With a stack budget, reserves the offer's price under it before the rent (stack-budget.ts); the
 * returned function gives the reservation back when nothing was rented.
 */
async function reserveBudget(session: VastSession, inputs: InstanceInputs, offerId: number): Promise<() => void> {
  const cap = inputs.stackBudgetPerHour;
  if (cap === undefined) return () => {};
  const { project, stack } = inputs.owner;
  let spend = session.spends.get(`${project}/${stack}`);
  if (!spend) session.spends.set(`${project}/${stack}`, (spend = new StackSpend(session.client, inputs.owner)));
  // A fixed offer was never searched for: ask for it by its contract id (vast-api.md §3.1).
  const price =
    session.offers.priceOf(offerId) ??
    (await session.client.searchOffers({ ask_contract_id: { eq: offerId }, limit: 1 }))[0]?.dph_total ??
    Number.POSITIVE_INFINITY;
  return spend.reserve(`offer ${offerId}`, `${project}/${stack}`, price, cap);
}

/**
 * After a create whose outcome is unknown: looks for its label with backoff for a bounded window.
 * Resolves the instance if it appears, undefined if the list kept answering that it is not there,
 * and fails (renting nothing else) when the list could not be read at all.
 */
async function settleUnknownOutcome(session: VastSession, label: string, offerId: number, cause: VastError): Promise<Instance | undefined> {
  const deadline = Date.now() + session.unknownOutcomeWindowMs;
  let delay = 1000;
  let lastLookup: unknown = undefined;
  progressLine(`on offer ${offerId}`, `create got no answer (${cause.message}); looking for its tag before renting anything else`);
  for (;;) {
    try {
      const [found] = await session.lookup.withLabel(label);
      lastLookup = undefined;
      if (found) {
        progressLine(found.id, `adopted: the create on offer ${offerId} went through although its answer was lost`);
        return found;
      }
    } catch (error) {
      lastLookup = error;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 15_000);
  }
  if (lastLookup === undefined) return undefined;
  const seconds = Math.round(session.unknownOutcomeWindowMs / 1000);
  throw new VastError(
    VastErrorCode.outcomeUnknown,
    `the create on offer ${offerId} got no answer (${cause.message}), and for ${seconds} s Vast could not be asked whether it rented an instance labelled "${label}" (last: ${(lastLookup as Error).message}). Nothing else was rented. When Vast answers again, run \`pulumi up\`: it looks for that label first and adopts the instance if the create went through (\`npm run sweep\` lists instances a stack's tags name that its state does not hold).`,
    { cause },
  );
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
    ...(inputs.volume
      ? { volume_info: { mount_path: inputs.volume.mountPath, create_new: false, volume_id: inputs.volume.volumeId } }
      : {}),
  };
}

/** Waits for "running", then, when `portal` asks for it, until the portal answers (portal-wait.ts). */
async function waitRunning(session: VastSession, id: number, timeoutSeconds: number, portal: PortalWaitInput) {
  progressLine(id, "waiting until running");
  const instance = await session.watcher.wait({
    id,
    goal: "become running",
    progress: runningProgress,
    deadline: Date.now() + timeoutSeconds * 1000,
    onStatus: (status) => progressLine(id, status),
  });
  const wait = portalWaitOf(portal);
  if (!instance || !wait) return instance;
  progressLine(id, `running; waiting until its portal (container port ${wait.port}) answers`);
  const status = await waitForPortal(instance, wait, (status) => progressLine(id, status));
  progressLine(id, `portal answers (HTTP ${status})`);
  return instance;
}

/** An adopted instance may be running although the inputs ask for `stopped`. */
async function stopIfRunning(session: VastSession, id: number): Promise<Instance | undefined> {
  const instance = await session.client.getInstance(id);
  if (!instance || instance.intended_status === "stopped") return instance;
  await session.client.manageInstance(id, { state: "stopped" });
  return session.watcher.wait({ id, goal: "stop", progress: stoppedProgress, deadline: Date.now() + deleteTimeoutMs });
}

export async function update(
  settings: ProviderSettings,
  id: string,
  olds: InstanceOutputs,
  news: InstanceInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const session = sessionFor(settings);
  const instanceId = Number(id);
  const gone = () => new VastError(VastErrorCode.instanceFailed, `instance ${id} is gone; run \`pulumi up\` again to replace it`);
  const current = await session.client.getInstance(instanceId);
  if (!current) {
    if (news.whenDestroyed !== WhenDestroyed.leave) throw gone();
    return { outs: destroyedOutputs(olds, news) };
  }
  const label = wantedLabel(news, tagFor(news)) ?? current.label ?? "";
  if (label !== (current.label ?? "")) await session.client.manageInstance(instanceId, { label });
  if (news.bidPrice !== undefined && news.bidPrice !== olds.bidPrice) await session.client.changeBid(instanceId, news.bidPrice);
  const { status, intendedStatus } = observe(current);
  const leave = leavesStopped(current, olds, news);
  // A start also revives an instance that was found not running (stopped outside Pulumi, preempted, a failed create).
  const changeState = !leave && (news.state !== intendedStatus || (news.state === "running" && status !== "running" && !isOutbid(current)));
  if (changeState) await session.client.manageInstance(instanceId, { state: news.state });
  const instance = !changeState
    ? { ...current, label }
    : news.state === "running"
      ? await waitRunning(session, instanceId, news.readyTimeoutSeconds, news.waitForPortal)
      : await session.watcher.wait({ id: instanceId, goal: "stop", progress: stoppedProgress, deadline: Date.now() + deleteTimeoutMs });
  if (!instance) throw gone();
  return { outs: { ...news, ...observe(instance), offerId: olds.offerId ?? null, drift: leave ? driftFound("stopped", olds) : null } };
}

/** The outputs of an instance gone from Vast that `whenDestroyed: leave` keeps in the stack. */
function destroyedOutputs(olds: InstanceOutputs, inputs: InstanceInputs): InstanceOutputs {
  return {
    ...olds,
    ...inputs,
    instanceId: olds.instanceId,
    label: olds.label,
    tag: olds.tag,
    status: "destroyed",
    // A destroyed instance bills nothing.
    dphTotal: null,
    publicIp: null,
    hostPorts: {},
    sshCommand: null,
    offerId: olds.offerId ?? null,
    drift: driftFound("destroyed", olds),
  };
}

export async function read(settings: ProviderSettings, id: string, props: InstanceOutputs): Promise<pulumi.dynamic.ReadResult> {
  const instance = await sessionFor(settings).client.getInstance(Number(id));
  const inputs = Object.fromEntries(
    Object.keys(InstanceInputs.shape)
      .filter((k) => k in props)
      .map((k) => [k, props[k as keyof InstanceOutputs]]),
  );
  if (!instance) {
    // `whenDestroyed: leave` keeps the resource, recorded as destroyed; otherwise a blank id tells
    // the engine the resource is gone (ReadResult.id: "blank if missing").
    if (props.whenDestroyed !== WhenDestroyed.leave) return { id: "" };
    return { id, props: destroyedOutputs(props, props), inputs };
  }
  const observed = observe(instance);
  // Under `whenStopped: leave` a stop made outside Pulumi is recorded, not taken as the new desired state.
  if (props.whenStopped === WhenStopped.leave && leavesStopped(instance, props, props)) {
    return { id, props: { ...props, ...observed, drift: driftFound("stopped", props) }, inputs };
  }
  // A label changed outside Pulumi shows as drift of the label input (left out when empty, as an
  // unset input is: the engine cannot carry an undefined value).
  const { label: _oldLabel, ...others } = inputs;
  return {
    id,
    props: { ...props, ...observed, drift: null },
    inputs: {
      ...others,
      ...(observed.label ? { label: observed.label } : {}),
      state: observed.intendedStatus === "stopped" ? "stopped" : "running",
    },
  };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  const session = sessionFor(settings);
  const instanceId = Number(id);
  if (session.adopted.has(instanceId)) {
    progressLine(id, "kept: the resource that replaces this one adopted it");
    return;
  }
  await session.client.destroyInstance(instanceId);
  await session.watcher.wait({ id: instanceId, goal: "be destroyed", progress: goneProgress, deadline: Date.now() + deleteTimeoutMs });
}

export const instanceKind = vastKind<InstanceInputs, InstanceOutputs>({ check, diff, create, update, read, remove });
