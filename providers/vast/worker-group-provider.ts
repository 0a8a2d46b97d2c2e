/**
 * What a `VastWorkerGroup` does: a serverless workergroup ("autojob", vast-api-more.md §3.4, §3.5,
 * §8) that tells an endpoint's autoscaler what to rent: a template, an offer filter and launch
 * arguments. Template, filter, launch arguments and GPU RAM change in place (a template change
 * rolls the workers on Vast's side); another endpoint replaces it. The filter is sent as the CLI
 * sends it, in its query language (search-params.ts), and read back as that string.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { unknownSentinel } from "../dynamic/check.ts";
import { vastKind, resolveConfig, type ProviderSettings } from "./config.ts";
import { OfferFilter } from "./offer-query.ts";
import { searchParamsProblems, toSearchParams } from "./search-params.ts";
import * as api from "./serverless-api.ts";
import type { Workergroup, WorkergroupBody } from "./serverless-schemas.ts";
import { sessionFor } from "./session.ts";

/** The docs' default GPU RAM estimate, in GB (§3.4). */
export const defaultGpuRamGb = 24;

export const WorkerGroupInputs = z.strictObject({
  /** The endpoint the workers serve (`VastEndpoint.endpointId`); another one replaces the workergroup. */
  endpointId: z.number().int().positive(),
  /** The template workers launch from (`VastTemplate.hashId`). */
  templateHash: z.string().regex(/^[0-9a-f]{32}$/, "must be a template's 32-hex-digit hash (VastTemplate.hashId)"),
  /** Offer filter in the `/bundles/` shape (RAM in MB, as everywhere in the kit). Defaults to any verified, rentable offer. */
  searchFilter: OfferFilter.default({}),
  /** `vastai create instance` flags added to every worker, e.g. `--disk 64 --env '-e MODEL=x'`. Defaults to none. */
  launchArgs: z.string().max(4096).default(""),
  /** GPU RAM the model needs, in GB: the autoscaler's estimate, not a filter. Defaults to 24. */
  gpuRamGb: z.number().positive().default(defaultGpuRamGb),
});
export type WorkerGroupInputs = z.infer<typeof WorkerGroupInputs>;

export interface WorkerGroupOutputs extends WorkerGroupInputs {
  workerGroupId: number;
  /** `search_params` as Vast holds it: the filter in the CLI's query language. */
  searchParams: string;
}

function body(inputs: WorkerGroupInputs, endpointId: number | null): WorkergroupBody {
  return {
    client_id: "me",
    template_hash: inputs.templateHash,
    template_id: null,
    search_params: toSearchParams(inputs.searchFilter),
    launch_args: inputs.launchArgs,
    gpu_ram: inputs.gpuRamGb,
    endpoint_name: null,
    endpoint_id: endpointId,
  };
}

/** Inputs as Vast now holds them, so a change made elsewhere shows up in the next diff. */
function observed(props: WorkerGroupOutputs, group: Workergroup): WorkerGroupOutputs {
  const stored = group.search_params ?? group.search_query;
  return {
    ...props,
    endpointId: group.endpoint_id ?? props.endpointId,
    // A template set by id elsewhere has no hash here: the empty string differs, so `up` sets it back.
    templateHash: group.template_hash ?? "",
    launchArgs: group.launch_args ?? "",
    gpuRamGb: group.gpu_ram ?? props.gpuRamGb,
    searchParams: typeof stored === "string" ? stored : JSON.stringify(stored ?? null),
    workerGroupId: group.id,
  };
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(WorkerGroupInputs, news, (inputs) =>
    searchParamsProblems(inputs.searchFilter).map(([path, reason]) => ({
      property: "searchFilter",
      reason: `searchFilter.${path}: ${reason}`,
    })),
  );
}

export async function diff(_id: string, olds: WorkerGroupOutputs, news: WorkerGroupInputs): Promise<pulumi.dynamic.DiffResult> {
  const inPlace = (["templateHash", "launchArgs", "gpuRamGb"] as const).some((k) => olds[k] !== news[k]);
  const searchChanged =
    olds.searchParams !== toSearchParams(news.searchFilter) || JSON.stringify(olds.searchFilter) !== JSON.stringify(news.searchFilter);
  // In preview an endpoint being updated hands over its id as unknown (the Node dynamic-provider host drops `stables`);
  // an update keeps the id, and a real move is seen by the diff of the `up` itself, when the id is known.
  const moved = olds.endpointId !== news.endpointId && (news.endpointId as unknown) !== unknownSentinel;
  return {
    changes: inPlace || searchChanged || moved,
    replaces: moved ? ["endpointId"] : [],
    deleteBeforeReplace: false,
  };
}

export async function create(settings: ProviderSettings, inputs: WorkerGroupInputs): Promise<pulumi.dynamic.CreateResult> {
  const { client } = sessionFor(settings);
  const wanted = body(inputs, inputs.endpointId);
  const matching = async () =>
    (await api.listWorkergroups(client))
      .filter(
        (g) => g.endpoint_id === inputs.endpointId && g.template_hash === inputs.templateHash && g.search_params === wanted.search_params,
      )
      .map((g) => g.id);
  const id = await api.createOnce(
    `a workergroup for endpoint ${inputs.endpointId}`,
    matching,
    () => api.createWorkergroup(client, { ...wanted, autoscaler_instance: "prod" }),
    "vastai show workergroups",
  );
  const outs: WorkerGroupOutputs = { ...inputs, workerGroupId: id, searchParams: wanted.search_params };
  const group = (await api.listWorkergroups(client).catch(() => [])).find((g) => g.id === id);
  return { id: String(id), outs: group ? { ...observed(outs, group), searchFilter: inputs.searchFilter } : outs };
}

export async function update(
  settings: ProviderSettings,
  id: string,
  _olds: WorkerGroupOutputs,
  news: WorkerGroupInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const wanted = body(news, null);
  await api.updateWorkergroup(sessionFor(settings).client, Number(id), wanted);
  return { outs: { ...news, workerGroupId: Number(id), searchParams: wanted.search_params } };
}

export async function read(settings: ProviderSettings, id: string, props: WorkerGroupOutputs): Promise<pulumi.dynamic.ReadResult> {
  const group = (await api.listWorkergroups(sessionFor(settings).client)).find((g) => g.id === Number(id));
  if (!group) return { id: "" };
  return { id, props: observed(props, group) };
}

/** Deletes the workergroup, then destroys any of its workers the delete left running; gone is done. */
export async function remove(settings: ProviderSettings, id: string, props: WorkerGroupOutputs): Promise<void> {
  const { client } = sessionFor(settings);
  const workers = await api.endpointWorkers(client, resolveConfig(settings).apiUrl, props.endpointId);
  // Only rows that name their workergroup can be told apart from the endpoint's other groups.
  const seen = workers.filter((w) => w.workergroup_id === Number(id)).map((w) => w.id);
  await api.releaseWorkers(client, seen, [await api.deleteWorkergroup(client, Number(id))]);
}

export const workerGroupKind = vastKind<WorkerGroupInputs, WorkerGroupOutputs>({ check, diff, create, update, read, remove });
