/**
 * The records of serverless endpoints, workergroups and their workers (vast-api-more.md §3), and
 * how rows become records. Kept apart from db.ts so that file holds only SQL and its statements.
 */
import type { Row } from "./records.ts";

/** An endpoint ("endptjob", §3.2): its fields as last written, plus its own routing key. */
export interface EndpointRecord {
  id: number;
  /** Every §3.2 field as stored; `null` where never given. */
  fields: Record<string, unknown>;
  /** The endpoint's own key, used by clients to route requests (§3.1); never the account key. */
  apiKey: string;
  createdAt: number;
}

/** A workergroup ("autojob", §3.4), bound to one endpoint. */
export interface WorkergroupRecord {
  id: number;
  endpointId: number;
  /** Every §3.4 field as stored, dead ones included (accepted and echoed, of no effect). */
  fields: Record<string, unknown>;
  apiKey: string;
  createdAt: number;
  /** How many rolling updates (template changes, `update_workers`) have replaced its workers (§9 item 4). */
  rollingUpdates: number;
}

/** An instance the emulated autoscaler rented for a workergroup (§3.6). */
export interface WorkerRecord {
  instanceId: number;
  workergroupId: number;
  endpointId: number;
}

export function toEndpoint(row: Row): EndpointRecord {
  return {
    id: Number(row["id"]),
    fields: JSON.parse(String(row["fields"])) as Record<string, unknown>,
    apiKey: String(row["api_key"]),
    createdAt: Number(row["created_at"]),
  };
}

export function toWorkergroup(row: Row): WorkergroupRecord {
  return {
    id: Number(row["id"]),
    endpointId: Number(row["endpoint_id"]),
    fields: JSON.parse(String(row["fields"])) as Record<string, unknown>,
    apiKey: String(row["api_key"]),
    createdAt: Number(row["created_at"]),
    rollingUpdates: Number(row["rolling_updates"]),
  };
}

export function toWorker(row: Row): WorkerRecord {
  return { instanceId: Number(row["instance_id"]), workergroupId: Number(row["workergroup_id"]), endpointId: Number(row["endpoint_id"]) };
}
