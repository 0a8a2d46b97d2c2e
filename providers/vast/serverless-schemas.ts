/**
 * zod schemas of the serverless calls (vast-api-more.md §3): what the client sends for endpoints
 * and workergroups and what comes back. Lenient where Vast is (numbers as strings, nulls, extra
 * keys, `result` or `id` for a new id); each schema shares its name with its inferred type.
 */
import { z } from "zod";
import { looseNumber } from "./schemas.ts";

/** `endpoint_state` (§3.2). */
export const EndpointState = z.enum(["active", "suspended", "stopped"]);
export type EndpointState = z.infer<typeof EndpointState>;

/** Body of `POST /endptjobs/` and `PUT /endptjobs/{id}/`: the full desired state, always explicit (§10). */
export const EndpointBody = z.strictObject({
  client_id: z.literal("me"),
  endpoint_name: z.string(),
  min_load: z.number(),
  min_cold_load: z.number(),
  target_util: z.number(),
  cold_mult: z.number(),
  cold_workers: z.number().int(),
  max_workers: z.number().int(),
  max_queue_time: z.number().nullable(),
  target_queue_time: z.number().nullable(),
  inactivity_timeout: z.number().int().nullable(),
  autoscaler_instance: z.literal("prod").optional(),
  endpoint_state: EndpointState.optional(),
});
export type EndpointBody = z.infer<typeof EndpointBody>;

/** One endpoint of `GET /endptjobs/` (§3.2); `api_key` is the endpoint's own routing key, a secret. */
export const Endpoint = z.looseObject({
  id: looseNumber,
  endpoint_name: z.string().nullish(),
  min_load: looseNumber.nullish(),
  min_cold_load: looseNumber.nullish(),
  target_util: looseNumber.nullish(),
  cold_mult: looseNumber.nullish(),
  cold_workers: looseNumber.nullish(),
  max_workers: looseNumber.nullish(),
  max_queue_time: looseNumber.nullish(),
  target_queue_time: looseNumber.nullish(),
  inactivity_timeout: looseNumber.nullish(),
  endpoint_state: z.string().nullish(),
  api_key: z.string().nullish(),
});
export type Endpoint = z.infer<typeof Endpoint>;

/** Body of `POST /autojobs/` and `PUT /autojobs/{id}/` (§3.5), in the CLI's key order. */
export const WorkergroupBody = z.strictObject({
  client_id: z.literal("me"),
  template_hash: z.string(),
  template_id: z.null(),
  search_params: z.string(),
  launch_args: z.string(),
  gpu_ram: z.number(),
  endpoint_name: z.null(),
  endpoint_id: z.number().int().nullable(),
  autoscaler_instance: z.literal("prod").optional(),
});
export type WorkergroupBody = z.infer<typeof WorkergroupBody>;

/** One workergroup of `GET /autojobs/` (§3.4); the stored query may be named `search_params` or `search_query`. */
export const Workergroup = z.looseObject({
  id: looseNumber,
  endpoint_id: looseNumber.nullish(),
  endpoint_name: z.string().nullish(),
  template_hash: z.string().nullish(),
  template_id: looseNumber.nullish(),
  search_params: z.unknown().optional(),
  search_query: z.unknown().optional(),
  launch_args: z.string().nullish(),
  gpu_ram: looseNumber.nullish(),
});
export type Workergroup = z.infer<typeof Workergroup>;

/** `{"success", "results": [...]}` of both lists. */
export const EndpointList = z.looseObject({ results: z.array(Endpoint) });
export const WorkergroupList = z.looseObject({ results: z.array(Workergroup) });

/** A create's answer: the id under `result` or `id` (§10: read `result ?? id`). */
export const CreatedId = z.looseObject({ result: looseNumber.nullish(), id: looseNumber.nullish() });

/** A delete's answer (§3.3, §3.5); the worker lists may be absent. */
export const DeleteAnswer = z.looseObject({
  deleted_workers: z.array(looseNumber).nullish(),
  failed_workers: z.array(looseNumber).nullish(),
});
export type DeleteAnswer = z.infer<typeof DeleteAnswer>;

/** One worker of `get_endpoint_workers` (§3.6); the answer is a list or `{"workers": [...]}`. */
export const Worker = z.looseObject({
  id: looseNumber,
  status: z.string().nullish(),
  workergroup_id: looseNumber.nullish(),
  measured_perf: looseNumber.nullish(),
});
export type Worker = z.infer<typeof Worker>;
export const WorkerList = z.union([z.array(Worker), z.looseObject({ workers: z.array(Worker) }).transform((r) => r.workers)]);
