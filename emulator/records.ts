/**
 * The typed records the database hands out, and how rows become records. Kept apart from db.ts
 * so that file holds only SQL and its statements.
 */
import type { EnvObject, PortMap } from "./docker-env.ts";
import type { Timeline } from "./lifecycle.ts";

/** What an instance was created with; stored as JSON. */
export interface InstanceConfig {
  image: string;
  /** Normalised `image_runtype`, base mode first. */
  runtype: string;
  env: EnvObject;
  onstart: string | null;
  args: string[] | null;
  argsStr: string | null;
  disk: number;
  /** Bid price in $/h; null for on-demand. */
  price: number | null;
  templateId: number | null;
  templateHashId: string | null;
  templateName: string | null;
  jupyterToken: string;
  instanceApiKey: string;
  /** Set while the instance is outbid (emulator/outbid.ts): the higher bid, $/h, its own bid must beat to run again. */
  outbidBy?: number;
  /** Registry login for the pull, `-u USER -p TOKEN REGISTRY` (§3.2 `image_login`, or the template's `docker_login_*`); never shown. */
  imageLogin: string | null;
  /** Generated at launch, given to the container, never returned by the API (vast-api.md §6.4). */
  openButtonToken: string;
  sshIdx: number;
  sshPort: number;
  ports: PortMap;
}

/** One rented instance. */
export interface InstanceRecord {
  id: number;
  offerId: number;
  label: string | null;
  intendedStatus: "running" | "stopped";
  timeline: Timeline;
  config: InstanceConfig;
  /** The offer row as it was priced at rent time (hardware, location, price). */
  offer: Record<string, unknown>;
  /** Epoch seconds, float: the instance's `start_date`. */
  createdAt: number;
}

/** A template: the current version plus its bookkeeping. */
export interface TemplateRecord {
  id: number;
  hashId: string;
  content: Record<string, unknown>;
  createdAt: number;
  countCreated: number;
  recentCreateDate: number | null;
  deleted: boolean;
}

export interface SshKeyRecord {
  id: number;
  publicKey: string;
  createdAt: number;
}

export interface VolumeRecord {
  id: number;
  volumeOfferId: number;
  name: string | null;
  size: number;
  createdAt: number;
  instanceId: number | null;
}

/** A network volume: `size` GB of a cluster's pool (vast-api-more.md §2.2). */
export interface NetworkVolumeRecord {
  id: number;
  /** The network-volume offer (cluster pool) it was rented from. */
  offerId: number;
  name: string | null;
  size: number;
  createdAt: number;
}

/** Where an instance mounts a volume, local or network. */
export interface VolumeMount {
  volumeId: number;
  instanceId: number;
  mountPath: string;
}

/** A row as node:sqlite returns it. */
export type Row = Record<string, unknown>;

export function toInstance(row: Row): InstanceRecord {
  return {
    id: Number(row["id"]),
    offerId: Number(row["offer_id"]),
    label: (row["label"] as string | null) ?? null,
    intendedStatus: row["intended_status"] as "running" | "stopped",
    timeline: JSON.parse(String(row["timeline"])) as Timeline,
    config: JSON.parse(String(row["config"])) as InstanceConfig,
    offer: JSON.parse(String(row["offer"])) as Record<string, unknown>,
    createdAt: Number(row["created_at"]),
  };
}

export function toTemplate(row: Row): TemplateRecord {
  return {
    id: Number(row["id"]),
    hashId: String(row["hash_id"]),
    content: JSON.parse(String(row["content"])) as Record<string, unknown>,
    createdAt: Number(row["created_at"]),
    countCreated: Number(row["count_created"]),
    recentCreateDate: row["recent_create_date"] === null ? null : Number(row["recent_create_date"]),
    deleted: Number(row["deleted"]) === 1,
  };
}

export function toSshKey(row: Row): SshKeyRecord {
  return { id: Number(row["id"]), publicKey: String(row["public_key"]), createdAt: Number(row["created_at"]) };
}

export function toVolume(row: Row): VolumeRecord {
  return {
    id: Number(row["id"]),
    volumeOfferId: Number(row["volume_offer_id"]),
    name: (row["name"] as string | null) ?? null,
    size: Number(row["size"]),
    createdAt: Number(row["created_at"]),
    instanceId: row["instance_id"] === null ? null : Number(row["instance_id"]),
  };
}

export function toNetworkVolume(row: Row): NetworkVolumeRecord {
  return {
    id: Number(row["id"]),
    offerId: Number(row["offer_id"]),
    name: (row["name"] as string | null) ?? null,
    size: Number(row["size"]),
    createdAt: Number(row["created_at"]),
  };
}

export function toVolumeMount(row: Row): VolumeMount {
  return { volumeId: Number(row["volume_id"]), instanceId: Number(row["instance_id"]), mountPath: String(row["mount_path"]) };
}
