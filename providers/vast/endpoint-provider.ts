/**
 * What a `VastEndpoint` does: a serverless endpoint and its autoscaling parameters
 * (vast-api-more.md §3.2, §3.3, §8). Every field changes in place with one update carrying the
 * full desired state. Vast has no client token on create, so a create whose answer is lost is
 * looked for by name (an endpoint of that name new since the create) before anything else is made.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { vastKind, resolveConfig, type ProviderSettings } from "./config.ts";
import * as api from "./serverless-api.ts";
import { type Endpoint, type EndpointBody, EndpointState } from "./serverless-schemas.ts";
import { sessionFor } from "./session.ts";

export const EndpointInputs = z
  .strictObject({
    /** The routing name (`endpoint_name`): letters, digits, `_` and `-`, at most 255 (the documented pattern, §10). */
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,255}$/, "must be 1 to 255 letters, digits, underscores or hyphens"),
    /** Floor on active capacity, in load units per second. Defaults to 0, as the CLI's. */
    minLoad: z.number().min(0).default(0),
    /** Total-capacity target that cold workers may serve. Defaults to 0. */
    minColdLoad: z.number().min(0).default(0),
    /** Target utilisation of active capacity, above 0 and at most 1. Defaults to 0.9. */
    targetUtil: z.number().gt(0, "must be above 0").max(1, "must be at most 1").default(0.9),
    /** Cold capacity as a multiple of hot. Defaults to 2.5. */
    coldMult: z.number().min(0).default(2.5),
    /** Workers kept cold (stopped, ready to start) with no load: the console's "Minimum Workers". Defaults to 5. */
    coldWorkers: z.number().int("must be a whole number").min(0).default(5),
    /** Most workers the endpoint may have. Defaults to 20. */
    maxWorkers: z.number().int("must be a whole number").min(1).default(20),
    /** Longest time a request may queue on a worker, in seconds. Defaults to Vast's (30). */
    maxQueueTime: z.number().positive().optional(),
    /** Time in which the queue should clear, in seconds. Defaults to Vast's (10). */
    targetQueueTime: z.number().positive().optional(),
    /** Seconds without traffic before the endpoint may scale to zero active workers. Defaults to Vast's. */
    inactivityTimeout: z.number().int("must be a whole number of seconds").positive().optional(),
    /** `active`, `suspended` (no scaling) or `stopped`. Defaults to `active`. */
    state: EndpointState.default("active"),
  })
  .refine((inputs) => inputs.coldWorkers <= inputs.maxWorkers, {
    path: ["coldWorkers"],
    message: "must be at most maxWorkers",
  });
export type EndpointInputs = z.infer<typeof EndpointInputs>;

export interface EndpointOutputs extends EndpointInputs {
  endpointId: number;
  /** The endpoint's own key, which clients route requests with (§3.1); a secret output. */
  apiKey: string | null;
}

const inputKeys = Object.keys(EndpointInputs.shape) as Array<keyof EndpointInputs>;
/** Vast keeps a field sent as null (§3.3), so an optional field can be set but never cleared: clearing it replaces. */
const unclearable = ["maxQueueTime", "targetQueueTime", "inactivityTimeout"] as const;

function body(inputs: EndpointInputs): EndpointBody {
  return {
    client_id: "me",
    endpoint_name: inputs.name,
    min_load: inputs.minLoad,
    min_cold_load: inputs.minColdLoad,
    target_util: inputs.targetUtil,
    cold_mult: inputs.coldMult,
    cold_workers: inputs.coldWorkers,
    max_workers: inputs.maxWorkers,
    max_queue_time: inputs.maxQueueTime ?? null,
    target_queue_time: inputs.targetQueueTime ?? null,
    inactivity_timeout: inputs.inactivityTimeout ?? null,
  };
}

/** Inputs as Vast now holds them, so a change made elsewhere shows up in the next diff. */
function observed(props: EndpointOutputs, endpoint: Endpoint): EndpointOutputs {
  const outs: EndpointOutputs = {
    ...props,
    name: endpoint.endpoint_name ?? props.name,
    minLoad: endpoint.min_load ?? props.minLoad,
    minColdLoad: endpoint.min_cold_load ?? props.minColdLoad,
    targetUtil: endpoint.target_util ?? props.targetUtil,
    coldMult: endpoint.cold_mult ?? props.coldMult,
    coldWorkers: endpoint.cold_workers ?? props.coldWorkers,
    maxWorkers: endpoint.max_workers ?? props.maxWorkers,
    state: EndpointState.catch(props.state).parse(endpoint.endpoint_state ?? props.state),
    endpointId: endpoint.id,
    apiKey: endpoint.api_key ?? props.apiKey ?? null,
  };
  for (const [key, field] of [
    ["maxQueueTime", "max_queue_time"],
    ["targetQueueTime", "target_queue_time"],
    ["inactivityTimeout", "inactivity_timeout"],
  ] as const) {
    const value = endpoint[field];
    if (value === null || value === undefined) delete outs[key];
    else outs[key] = value;
  }
  return outs;
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(EndpointInputs, news);
}

export async function diff(_id: string, olds: EndpointOutputs, news: EndpointInputs): Promise<pulumi.dynamic.DiffResult> {
  const differs = (k: keyof EndpointInputs) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null);
  const replaces = unclearable.filter((k) => olds[k] !== undefined && news[k] === undefined);
  return {
    changes: inputKeys.some(differs),
    replaces,
    deleteBeforeReplace: false,
  };
}

export async function create(settings: ProviderSettings, inputs: EndpointInputs): Promise<pulumi.dynamic.CreateResult> {
  const { client } = sessionFor(settings);
  const named = async () => (await api.listEndpoints(client)).filter((e) => e.endpoint_name === inputs.name).map((e) => e.id);
  const id = await api.createOnce(
    `endpoint "${inputs.name}"`,
    named,
    () => api.createEndpoint(client, { ...body(inputs), autoscaler_instance: "prod" }),
    "vastai show endpoints",
  );
  // The state is set by an update after create (§3.2); should that fail, the endpoint goes rather than leak.
  if (inputs.state !== "active") {
    try {
      await api.updateEndpoint(client, id, { ...body(inputs), endpoint_state: inputs.state });
    } catch (error) {
      await api.deleteEndpoint(client, id).catch(() => undefined);
      throw error;
    }
  }
  const endpoint = (await api.listEndpoints(client).catch(() => [])).find((e) => e.id === id);
  const outs: EndpointOutputs = { ...inputs, endpointId: id, apiKey: null };
  return { id: String(id), outs: endpoint ? observed(outs, endpoint) : outs };
}

export async function update(
  settings: ProviderSettings,
  id: string,
  olds: EndpointOutputs,
  news: EndpointInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const { client } = sessionFor(settings);
  await api.updateEndpoint(client, Number(id), { ...body(news), endpoint_state: news.state });
  return { outs: { ...news, endpointId: Number(id), apiKey: olds.apiKey } };
}

export async function read(settings: ProviderSettings, id: string, props: EndpointOutputs): Promise<pulumi.dynamic.ReadResult> {
  const endpoint = (await api.listEndpoints(sessionFor(settings).client)).find((e) => e.id === Number(id));
  // Gone (deleted elsewhere, or by Vast's own clean-up of idle endpoints, §10 question 1).
  if (!endpoint) return { id: "" };
  return { id, props: observed(props, endpoint) };
}

/** Workergroups first, then the endpoint (§3.3 "Cascade"); workers a delete left behind are destroyed; gone is done. */
export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  const { client } = sessionFor(settings);
  const endpointId = Number(id);
  const seen = (await api.endpointWorkers(client, resolveConfig(settings).apiUrl, endpointId)).map((w) => w.id);
  const answers = [];
  for (const group of (await api.listWorkergroups(client)).filter((g) => g.endpoint_id === endpointId))
    answers.push(await api.deleteWorkergroup(client, group.id));
  answers.push(await api.deleteEndpoint(client, endpointId));
  await api.releaseWorkers(client, seen, answers);
}

export const endpointKind = vastKind<EndpointInputs, EndpointOutputs>({ check, diff, create, update, read, remove });
