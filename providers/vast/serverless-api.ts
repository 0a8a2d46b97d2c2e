/**
 * The serverless calls of the Vast REST client (vast-api-more.md §3.3, §3.5, §3.6), one function
 * per call, over the client's paced transport. Kept out of client.ts, which holds the transport
 * and the instance-side calls. Paths are the official CLI's (`/autojobs/`, §10); deletes send the
 * CLI's body, and a "not found" on delete is done.
 */
import type { z } from "zod";
import type { VastClient } from "./client.ts";
import { defaultApiUrl } from "./config.ts";
import { isAmbiguous, VastError, VastErrorCode } from "./errors.ts";
import { ErrorBody } from "./schemas.ts";
import {
  CreatedId,
  DeleteAnswer,
  EndpointList,
  WorkergroupList,
  WorkerList,
  type Endpoint,
  type EndpointBody,
  type Worker,
  type Workergroup,
  type WorkergroupBody,
} from "./serverless-schemas.ts";

/** True for the answers Vast gives for an endpoint or workergroup that is not (or no longer) there. */
function isNotFound(error: unknown): boolean {
  return error instanceof VastError && (error.status === 404 || (error.status === 400 && /not found/i.test(error.vastMessage ?? "")));
}

function idOf(operation: string, answer: { result?: number | null; id?: number | null }): number {
  const id = answer.result ?? answer.id;
  if (typeof id === "number" && Number.isInteger(id)) return id;
  throw new VastError(VastErrorCode.badResponse, `${operation}: Vast answered without an id; check \`vastai show endpoints\``, {
    operation,
  });
}

/** Creates an endpoint and returns its id. Never retried except on 429: a lost answer may have created it. */
export async function createEndpoint(client: VastClient, body: EndpointBody): Promise<number> {
  return create(client, `create endpoint "${body.endpoint_name}"`, "api/v0/endptjobs/", body);
}

/** One create: the id under `result` or `id` (§10). */
async function create(client: VastClient, operation: string, path: string, body: unknown): Promise<number> {
  const answer = await client.request({
    operation,
    method: "POST",
    path,
    body,
    schema: CreatedId,
    retry: "refusedOnly",
    pace: "serverless",
  });
  return idOf(operation, answer);
}

/** The account's endpoints; the documented 400 "No endpoints for user found" is an empty list (§3.3). */
export async function listEndpoints(client: VastClient): Promise<Endpoint[]> {
  return list(client, "endpoints", "api/v0/endptjobs/", EndpointList);
}

/** Writes an endpoint's full desired state (§3.3: the TS client never relies on nulls). */
export async function updateEndpoint(client: VastClient, id: number, body: EndpointBody): Promise<void> {
  await update(client, `update endpoint ${id}`, `api/v0/endptjobs/${id}/`, { ...body, endptjob_id: id });
}

/** One update; Vast answers `{"success": true}`. */
async function update(client: VastClient, operation: string, path: string, body: unknown): Promise<void> {
  await client.request({ operation, method: "PUT", path, body, schema: ErrorBody, retry: "idempotent", pace: "serverless" });
}

/** Deletes an endpoint; `undefined` when it was already gone. */
export async function deleteEndpoint(client: VastClient, id: number): Promise<DeleteAnswer | undefined> {
  return remove(client, `delete endpoint ${id}`, `api/v0/endptjobs/${id}/`, { client_id: "me", endptjob_id: id });
}

/** One delete with the CLI's body; "not found" is done. */
async function remove(client: VastClient, operation: string, path: string, body: unknown): Promise<DeleteAnswer | undefined> {
  try {
    return await client.request({ operation, method: "DELETE", path, body, schema: DeleteAnswer, retry: "idempotent", pace: "serverless" });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Creates a workergroup and returns its id. Never retried except on 429. */
export async function createWorkergroup(client: VastClient, body: WorkergroupBody): Promise<number> {
  return create(client, `create workergroup for endpoint ${body.endpoint_id}`, "api/v0/autojobs/", body);
}

/** The account's workergroups (there is no single read, §3.5). */
export async function listWorkergroups(client: VastClient): Promise<Workergroup[]> {
  return list(client, "workergroups", "api/v0/autojobs/", WorkergroupList);
}

/** One of the two lists; a 400 saying there are none is an empty list. */
async function list<T>(client: VastClient, what: string, path: string, schema: z.ZodType<{ results: T[] }>): Promise<T[]> {
  try {
    return (await client.request({ operation: `list ${what}`, method: "GET", path, schema, retry: "idempotent", pace: "serverless" }))
      .results;
  } catch (error) {
    if (error instanceof VastError && error.status === 400 && /^no \w+ for user/i.test(error.vastMessage ?? "")) return [];
    throw error;
  }
}

/** Writes a workergroup's full desired state; `search_params` always as intended (§3.5 "CLI update hazard"). */
export async function updateWorkergroup(client: VastClient, id: number, body: WorkergroupBody): Promise<void> {
  const { autoscaler_instance: _createOnly, ...rest } = body;
  await update(client, `update workergroup ${id}`, `api/v0/autojobs/${id}/`, { ...rest, autojob_id: id });
}

/** Deletes a workergroup; `undefined` when it was already gone (404 `no_such_workergroup`). */
export async function deleteWorkergroup(client: VastClient, id: number): Promise<DeleteAnswer | undefined> {
  return remove(client, `delete workergroup ${id}`, `api/v0/autojobs/${id}/`, { client_id: "me", autojob_id: id });
}

/** The autoscaler's host: run.vast.ai for the default API URL, else the API URL itself, as the CLI decides (§1). */
export function autoscalerUrl(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, "");
  return base === defaultApiUrl ? "https://run.vast.ai" : base;
}

/** The live workers of an endpoint (`POST /get_endpoint_workers/`); `[]` when the autoscaler answers anything else (§3.6). */
export async function endpointWorkers(client: VastClient, apiUrl: string, id: number): Promise<Worker[]> {
  return client
    .request({
      operation: `list workers of endpoint ${id}`,
      method: "POST",
      path: `${autoscalerUrl(apiUrl)}/get_endpoint_workers/`,
      body: { id },
      schema: WorkerList,
      retry: "idempotent",
      pace: "serverless",
    })
    .catch(() => []);
}

/**
 * Destroys the workers a delete left running: those in `failed_workers`, and those seen before
 * the delete that it did not report as destroyed (the CLI's help says a workergroup's instances
 * are not destroyed with it, §10). A worker already gone is done.
 */
export async function releaseWorkers(client: VastClient, seen: number[], answers: Array<DeleteAnswer | undefined>): Promise<void> {
  const destroyed = new Set(answers.flatMap((a) => a?.deleted_workers ?? []));
  const left = new Set([...answers.flatMap((a) => a?.failed_workers ?? []), ...seen.filter((id) => !destroyed.has(id))]);
  for (const id of left) await client.destroyInstance(id);
}

/**
 * One create, which Vast cannot make idempotent (no client token, §3.1): when its answer is lost,
 * the object is looked for among `matching()` ids new since before the create; with none or
 * several, nothing more is created and the error says what to check (`hint`).
 */
export async function createOnce(
  what: string,
  matching: () => Promise<number[]>,
  create: () => Promise<number>,
  hint: string,
): Promise<number> {
  const before = new Set(await matching());
  try {
    return await create();
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const fresh = (await matching().catch(() => [])).filter((id) => !before.has(id));
    if (fresh.length === 1) return fresh[0]!;
    throw new VastError(
      VastErrorCode.outcomeUnknown,
      `creating ${what} got no answer, and ${fresh.length} new ones match it: check \`${hint}\`, delete any left over, then run \`pulumi up\` again`,
      { cause: error },
    );
  }
}
