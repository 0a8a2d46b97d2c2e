/**
 * zod schemas of the serverless request bodies (vast-api-more.md §3.2–§3.5), written from the
 * reference and what the official CLI sends, not shared with providers/. Every field is nullable:
 * the CLI sends `null` for each flag it was not given, and on update `null` means "keep" (§3.3).
 * `client_id`, `endptjob_id`, `autojob_id` and `api_key` are accepted and ignored.
 */
import { z } from "zod";
import { numeric } from "./schemas.ts";

const text = z.string().nullish();
const number = numeric.nullish();

/** The §3.2 fields of an endpoint, as create and update send them. */
export const EndpointBody = z.looseObject({
  endpoint_name: text,
  min_load: number,
  min_cold_load: number,
  target_util: number,
  cold_mult: number,
  cold_workers: number,
  max_workers: number,
  max_queue_time: number,
  target_queue_time: number,
  inactivity_timeout: number,
  autoscaler_instance: text,
  endpoint_state: z.enum(["active", "suspended", "stopped"]).nullish(),
});
export type EndpointBody = z.infer<typeof EndpointBody>;

/** The endpoint fields the emulator stores and echoes, in the order of §3.2. */
export const ENDPOINT_FIELDS = Object.keys(EndpointBody.shape) as Array<keyof EndpointBody>;

/** The §3.4 fields of a workergroup; `search_params` may be the CLI's query string or a `/bundles/` filter object (docs). */
export const WorkergroupBody = z.looseObject({
  endpoint_id: number,
  endpoint_name: text,
  template_hash: text,
  template_id: number,
  search_params: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  launch_args: text,
  gpu_ram: number,
  autoscaler_instance: text,
  // Dead since CLI 1.9.1 (PRs #500/#501): accepted and echoed, of no effect.
  min_load: number,
  target_util: number,
  cold_mult: number,
  cold_workers: number,
  test_workers: number,
  min_cold_load: number,
  max_workers: number,
});
export type WorkergroupBody = z.infer<typeof WorkergroupBody>;

/** The workergroup fields the emulator stores and echoes; the endpoint is a column of its own. */
export const WORKERGROUP_FIELDS = Object.keys(WorkergroupBody.shape).filter((key) => key !== "endpoint_id") as Array<
  Exclude<keyof WorkergroupBody, "endpoint_id">
>;

/** Body of the autoscaler-host calls (§3.6): `{"id"}`, or `{"workergroup_id"}` for `update_workers`, or `{"endpoint": name}` for logs (docs). */
export const AutoscalerBody = z.looseObject({
  id: number,
  workergroup_id: number,
  endpoint: text,
  tail: number,
  cancel_update: z.boolean().nullish(),
});
