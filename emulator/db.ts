/**
 * The emulator's state, in SQLite (`node:sqlite`). This module alone owns the DatabaseSync: the
 * schema is created in one `exec` under `SCHEMA_VERSION` (kept in `PRAGMA user_version`), every
 * statement is prepared once, and callers get typed records, never SQL. In memory by default;
 * with a file path the state survives a restart (instances, templates, keys, secrets, volumes,
 * rented offers and id counters).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { StateVersionError } from "./errors.ts";
import type { BilledInstance } from "./billing.ts";
import type { Timeline } from "./lifecycle.ts";
import {
  type InstanceConfig,
  type InstanceRecord,
  type NetworkVolumeRecord,
  type Row,
  type VolumeMount,
  type SshKeyRecord,
  type TemplateRecord,
  type VolumeRecord,
  toInstance,
  toNetworkVolume,
  toSshKey,
  toTemplate,
  toVolume,
  toVolumeMount,
} from "./records.ts";
import {
  type EndpointRecord,
  type WorkergroupRecord,
  type WorkerRecord,
  toEndpoint,
  toWorker,
  toWorkergroup,
} from "./serverless-records.ts";

export type { InstanceConfig, InstanceRecord, NetworkVolumeRecord, SshKeyRecord, TemplateRecord, VolumeMount, VolumeRecord };
export type { EndpointRecord, WorkergroupRecord, WorkerRecord };

/** Bump when the schema changes; an older state file is refused rather than misread. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, next) VALUES
  ('instance', 27100001), ('template', 334501), ('ssh_key', 9001), ('volume', 301);
CREATE TABLE IF NOT EXISTS offer_rentals (
  offer_id INTEGER PRIMARY KEY,
  instance_id INTEGER
);
CREATE TABLE IF NOT EXISTS instances (
  id INTEGER PRIMARY KEY,
  offer_id INTEGER NOT NULL,
  label TEXT,
  intended_status TEXT NOT NULL,
  timeline TEXT NOT NULL,
  config TEXT NOT NULL,
  offer TEXT NOT NULL,
  created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS instance_ssh_keys (
  instance_id INTEGER NOT NULL,
  public_key TEXT NOT NULL,
  PRIMARY KEY (instance_id, public_key)
);
CREATE TABLE IF NOT EXISTS templates (
  id INTEGER PRIMARY KEY,
  hash_id TEXT NOT NULL,
  created_at REAL NOT NULL,
  count_created INTEGER NOT NULL DEFAULT 0,
  recent_create_date REAL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS template_versions (
  hash_id TEXT PRIMARY KEY,
  template_id INTEGER NOT NULL,
  content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ssh_keys (id INTEGER PRIMARY KEY, public_key TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS volumes (
  id INTEGER PRIMARY KEY,
  volume_offer_id INTEGER NOT NULL,
  name TEXT,
  size INTEGER NOT NULL,
  created_at REAL NOT NULL,
  instance_id INTEGER
);
CREATE TABLE IF NOT EXISTS instance_history (instance_id INTEGER NOT NULL, at REAL NOT NULL, actual TEXT);
CREATE TABLE IF NOT EXISTS destroyed_instances (
  id INTEGER PRIMARY KEY,
  offer_id INTEGER NOT NULL,
  label TEXT,
  intended_status TEXT NOT NULL,
  timeline TEXT NOT NULL,
  config TEXT NOT NULL,
  offer TEXT NOT NULL,
  created_at REAL NOT NULL,
  destroyed_at REAL NOT NULL
);
INSERT OR IGNORE INTO counters (name, next) VALUES ('endpoint', 4201), ('workergroup', 901);
CREATE TABLE IF NOT EXISTS endpoints (id INTEGER PRIMARY KEY, fields TEXT NOT NULL, api_key TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS workergroups (
  id INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL,
  fields TEXT NOT NULL,
  api_key TEXT NOT NULL,
  created_at REAL NOT NULL,
  rolling_updates INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS workers (instance_id INTEGER PRIMARY KEY, workergroup_id INTEGER NOT NULL, endpoint_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS network_volumes (
  id INTEGER PRIMARY KEY,
  offer_id INTEGER NOT NULL,
  name TEXT,
  size INTEGER NOT NULL,
  created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS volume_releases (volume_id INTEGER PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS volume_mounts (
  volume_id INTEGER NOT NULL,
  instance_id INTEGER NOT NULL,
  mount_path TEXT NOT NULL,
  PRIMARY KEY (volume_id, instance_id)
);
`;

type Counter = "instance" | "template" | "ssh_key" | "volume" | "endpoint" | "workergroup";

/** The emulator database. One per running emulator. */
export class EmulatorDb {
  #db: DatabaseSync;
  #s: Record<string, StatementSync>;

  /** Opens `path` (created, with its folder, if missing) or an in-memory database. */
  constructor(path?: string) {
    if (path !== undefined) mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path ?? ":memory:");
    const found = Number((this.#db.prepare("PRAGMA user_version").get() as Row)["user_version"]);
    if (found !== 0 && found !== SCHEMA_VERSION) {
      this.#db.close();
      throw new StateVersionError(path ?? ":memory:", found, SCHEMA_VERSION);
    }
    this.#db.exec(`BEGIN; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
    const prepare = (sql: string): StatementSync => this.#db.prepare(sql);
    this.#s = {
      nextId: prepare("UPDATE counters SET next = next + 1 WHERE name = ? RETURNING next - 1 AS id"),
      rentedOffers: prepare("SELECT offer_id FROM offer_rentals"),
      rentOffer: prepare("INSERT INTO offer_rentals (offer_id, instance_id) VALUES (?, ?)"),
      isRented: prepare("SELECT 1 FROM offer_rentals WHERE offer_id = ?"),
      releaseOffer: prepare("DELETE FROM offer_rentals WHERE instance_id = ?"),
      insertInstance: prepare(
        "INSERT INTO instances (id, offer_id, label, intended_status, timeline, config, offer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      getInstance: prepare("SELECT * FROM instances WHERE id = ?"),
      instanceByApiKey: prepare("SELECT id FROM instances WHERE json_extract(config, '$.instanceApiKey') = ?"),
      listInstances: prepare("SELECT * FROM instances ORDER BY id"),
      setLifecycle: prepare("UPDATE instances SET intended_status = ?, timeline = ? WHERE id = ?"),
      setLabel: prepare("UPDATE instances SET label = ? WHERE id = ?"),
      setConfig: prepare("UPDATE instances SET config = ? WHERE id = ?"),
      deleteInstance: prepare("DELETE FROM instances WHERE id = ?"),
      attachKey: prepare("INSERT OR IGNORE INTO instance_ssh_keys (instance_id, public_key) VALUES (?, ?)"),
      detachKey: prepare("DELETE FROM instance_ssh_keys WHERE instance_id = ? AND public_key = ?"),
      instanceKeys: prepare("SELECT public_key FROM instance_ssh_keys WHERE instance_id = ? ORDER BY rowid"),
      dropInstanceKeys: prepare("DELETE FROM instance_ssh_keys WHERE instance_id = ?"),
      insertTemplate: prepare("INSERT INTO templates (id, hash_id, created_at) VALUES (?, ?, ?)"),
      upsertVersion: prepare(
        "INSERT INTO template_versions (hash_id, template_id, content) VALUES (?, ?, ?) ON CONFLICT (hash_id) DO UPDATE SET template_id = excluded.template_id",
      ),
      templateView: prepare("SELECT t.*, v.content FROM templates t JOIN template_versions v ON v.hash_id = t.hash_id WHERE t.id = ?"),
      liveTemplates: prepare(
        "SELECT t.*, v.content FROM templates t JOIN template_versions v ON v.hash_id = t.hash_id WHERE t.deleted = 0 ORDER BY t.id",
      ),
      version: prepare("SELECT template_id, content FROM template_versions WHERE hash_id = ?"),
      setTemplateHash: prepare("UPDATE templates SET hash_id = ? WHERE id = ?"),
      deleteTemplate: prepare("UPDATE templates SET deleted = 1 WHERE id = ?"),
      useTemplate: prepare("UPDATE templates SET count_created = count_created + 1, recent_create_date = ? WHERE id = ?"),
      insertKey: prepare("INSERT INTO ssh_keys (id, public_key, created_at) VALUES (?, ?, ?)"),
      listKeys: prepare("SELECT * FROM ssh_keys ORDER BY id"),
      getKey: prepare("SELECT * FROM ssh_keys WHERE id = ?"),
      updateKey: prepare("UPDATE ssh_keys SET public_key = ? WHERE id = ?"),
      deleteKey: prepare("DELETE FROM ssh_keys WHERE id = ?"),
      listSecrets: prepare("SELECT key, value FROM secrets ORDER BY key"),
      getSecret: prepare("SELECT value FROM secrets WHERE key = ?"),
      upsertSecret: prepare("INSERT INTO secrets (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      deleteSecret: prepare("DELETE FROM secrets WHERE key = ?"),
      insertVolume: prepare("INSERT INTO volumes (id, volume_offer_id, name, size, created_at) VALUES (?, ?, ?, ?, ?)"),
      listVolumes: prepare("SELECT * FROM volumes ORDER BY id"),
      getVolume: prepare("SELECT * FROM volumes WHERE id = ?"),
      attachVolume: prepare("UPDATE volumes SET instance_id = ? WHERE id = ?"),
      detachVolumes: prepare("UPDATE volumes SET instance_id = NULL WHERE instance_id = ?"),
      deleteVolume: prepare("DELETE FROM volumes WHERE id = ?"),
      archiveStep: prepare("INSERT INTO instance_history (instance_id, at, actual) VALUES (?, ?, ?)"),
      history: prepare("SELECT at, actual FROM instance_history WHERE instance_id = ? ORDER BY at, rowid"),
      keepDestroyed: prepare(
        "INSERT OR REPLACE INTO destroyed_instances (id, offer_id, label, intended_status, timeline, config, offer, created_at, destroyed_at) SELECT id, offer_id, label, intended_status, timeline, config, offer, created_at, ? FROM instances WHERE id = ?",
      ),
      listDestroyed: prepare("SELECT * FROM destroyed_instances ORDER BY id"),
      insertEndpoint: prepare("INSERT INTO endpoints (id, fields, api_key, created_at) VALUES (?, ?, ?, ?)"),
      listEndpoints: prepare("SELECT * FROM endpoints ORDER BY id"),
      getEndpoint: prepare("SELECT * FROM endpoints WHERE id = ?"),
      setEndpointFields: prepare("UPDATE endpoints SET fields = ? WHERE id = ?"),
      deleteEndpoint: prepare("DELETE FROM endpoints WHERE id = ?"),
      insertWorkergroup: prepare("INSERT INTO workergroups (id, endpoint_id, fields, api_key, created_at) VALUES (?, ?, ?, ?, ?)"),
      listWorkergroups: prepare("SELECT * FROM workergroups ORDER BY id"),
      getWorkergroup: prepare("SELECT * FROM workergroups WHERE id = ?"),
      setWorkergroupFields: prepare("UPDATE workergroups SET fields = ? WHERE id = ?"),
      countRollingUpdate: prepare("UPDATE workergroups SET rolling_updates = rolling_updates + 1 WHERE id = ?"),
      deleteWorkergroup: prepare("DELETE FROM workergroups WHERE id = ?"),
      insertWorker: prepare("INSERT INTO workers (instance_id, workergroup_id, endpoint_id) VALUES (?, ?, ?)"),
      listWorkers: prepare("SELECT * FROM workers ORDER BY instance_id"),
      deleteWorker: prepare("DELETE FROM workers WHERE instance_id = ?"),
      giveOfferAway: prepare("UPDATE offer_rentals SET instance_id = NULL WHERE offer_id = ?"),
      insertNetworkVolume: prepare("INSERT INTO network_volumes (id, offer_id, name, size, created_at) VALUES (?, ?, ?, ?, ?)"),
      listNetworkVolumes: prepare("SELECT * FROM network_volumes ORDER BY id"),
      deleteNetworkVolume: prepare("DELETE FROM network_volumes WHERE id = ?"),
      mountVolume: prepare("INSERT OR REPLACE INTO volume_mounts (volume_id, instance_id, mount_path) VALUES (?, ?, ?)"),
      listMounts: prepare("SELECT * FROM volume_mounts ORDER BY volume_id, instance_id"),
      unmountInstance: prepare("DELETE FROM volume_mounts WHERE instance_id = ?"),
      releaseMounted: prepare(
        "INSERT OR REPLACE INTO volume_releases (volume_id, until) SELECT volume_id, ? FROM volume_mounts WHERE instance_id = ?",
      ),
      releasingUntil: prepare("SELECT until FROM volume_releases WHERE volume_id = ?"),
    };
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec("BEGIN");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  #stmt(name: string): StatementSync {
    return this.#s[name] as StatementSync;
  }

  /** Takes the next id of a counter; ids never repeat, even across restarts. */
  nextId(counter: Counter): number {
    return Number((this.#stmt("nextId").get(counter) as Row)["id"]);
  }

  /** Offer ids that are rented, by us or (fault injection) by someone else. */
  rentedOfferIds(): Set<number> {
    return new Set((this.#stmt("rentedOffers").all() as Row[]).map((row) => Number(row["offer_id"])));
  }

  isOfferRented(offerId: number): boolean {
    return this.#stmt("isRented").get(offerId) !== undefined;
  }

  /** Marks an offer as taken by another customer (fault `offerTakenOnRent`). */
  markOfferTaken(offerId: number): void {
    this.#stmt("rentOffer").run(offerId, null);
  }

  /** Stores a new instance, rents its offer and counts the template use, atomically. */
  createInstance(record: InstanceRecord, templateId: number | null, volumeId: number | null): void {
    this.#transaction(() => {
      this.#stmt("rentOffer").run(record.offerId, record.id);
      this.#stmt("insertInstance").run(
        record.id,
        record.offerId,
        record.label,
        record.intendedStatus,
        JSON.stringify(record.timeline),
        JSON.stringify(record.config),
        JSON.stringify(record.offer),
        record.createdAt,
      );
      if (templateId !== null) this.#stmt("useTemplate").run(record.createdAt, templateId);
      if (volumeId !== null) this.#stmt("attachVolume").run(record.id, volumeId);
    });
  }

  getInstance(id: number): InstanceRecord | undefined {
    const row = this.#stmt("getInstance").get(id) as Row | undefined;
    return row ? toInstance(row) : undefined;
  }

  /** The id of the live instance whose `instance_api_key` is `key` (vast-api.md §6.4), if any. */
  instanceIdForApiKey(key: string): number | undefined {
    const row = this.#stmt("instanceByApiKey").get(key) as Row | undefined;
    return row ? Number(row["id"]) : undefined;
  }

  listInstances(): InstanceRecord[] {
    return (this.#stmt("listInstances").all() as Row[]).map(toInstance);
  }

  /**
   * Replaces an instance's timeline. The steps of the old one that came before the new one starts
   * go to the instance's history, which charges are computed from (billing.ts).
   */
  setLifecycle(id: number, intendedStatus: "running" | "stopped", timeline: Timeline): void {
    this.#transaction(() => {
      this.#archiveSteps(id, timeline[0]?.at ?? Number.POSITIVE_INFINITY);
      this.#stmt("setLifecycle").run(intendedStatus, JSON.stringify(timeline), id);
    });
  }

  #archiveSteps(id: number, before: number): void {
    for (const step of this.getInstance(id)?.timeline ?? []) {
      if (step.at < before) this.#stmt("archiveStep").run(id, step.at, step.actual);
    }
  }

  /** Every instance ever rented, live or destroyed, with the lifecycle steps its charges come from. */
  billedInstances(): BilledInstance[] {
    const history = (id: number) =>
      (this.#stmt("history").all(id) as Row[]).map((row) => ({ at: Number(row["at"]), actual: (row["actual"] as string | null) ?? null }));
    const destroyed = (this.#stmt("listDestroyed").all() as Row[]).map((row) => {
      const record = toInstance(row);
      return { record, steps: history(record.id), destroyedAt: Number(row["destroyed_at"]) };
    });
    const live = this.listInstances().map((record) => ({
      record,
      steps: [...history(record.id), ...record.timeline.map(({ at, actual }) => ({ at, actual }))],
      destroyedAt: null,
    }));
    return [...destroyed, ...live].sort((a, b) => a.record.id - b.record.id);
  }

  setLabel(id: number, label: string | null): void {
    this.#stmt("setLabel").run(label, id);
  }

  setConfig(id: number, config: InstanceConfig): void {
    this.#stmt("setConfig").run(JSON.stringify(config), id);
  }

  /**
   * Removes an instance and everything hanging off it; its offer becomes rentable again. What it
   * was rented as and its history stay for the charges; `at` (epoch ms) is when billing stopped.
   * The volumes it mounted stay in release for `releaseMs` more (vast-api.md §3.8).
   */
  destroyInstance(id: number, at: number, releaseMs = 0): void {
    this.#transaction(() => {
      this.#archiveSteps(id, at);
      this.#stmt("archiveStep").run(id, at, "destroyed");
      this.#stmt("keepDestroyed").run(at, id);
      this.#stmt("releaseMounted").run(at + releaseMs, id);
      this.#stmt("releaseOffer").run(id);
      this.#stmt("dropInstanceKeys").run(id);
      this.#stmt("detachVolumes").run(id);
      this.#stmt("unmountInstance").run(id);
      this.#stmt("deleteInstance").run(id);
    });
  }

  attachSshKey(instanceId: number, publicKey: string): void {
    this.#stmt("attachKey").run(instanceId, publicKey);
  }

  /** Returns false when the key was not attached. */
  detachSshKey(instanceId: number, publicKey: string): boolean {
    return Number(this.#stmt("detachKey").run(instanceId, publicKey).changes) > 0;
  }

  instanceSshKeys(instanceId: number): string[] {
    return (this.#stmt("instanceKeys").all(instanceId) as Row[]).map((row) => String(row["public_key"]));
  }

  /** Stores a new template whose first version is `hashId` → `content`. */
  insertTemplate(id: number, hashId: string, content: Record<string, unknown>, createdAt: number): void {
    this.#transaction(() => {
      this.#stmt("upsertVersion").run(hashId, id, JSON.stringify(content));
      this.#stmt("insertTemplate").run(id, hashId, createdAt);
    });
  }

  /** Points a template at new content; the old hash keeps naming the old content (§3.5). */
  updateTemplate(id: number, hashId: string, content: Record<string, unknown>): void {
    this.#transaction(() => {
      this.#stmt("upsertVersion").run(hashId, id, JSON.stringify(content));
      this.#stmt("setTemplateHash").run(hashId, id);
    });
  }

  getTemplate(id: number): TemplateRecord | undefined {
    const row = this.#stmt("templateView").get(id) as Row | undefined;
    return row ? toTemplate(row) : undefined;
  }

  /** Templates not deleted, at their current version. */
  listTemplates(): TemplateRecord[] {
    return (this.#stmt("liveTemplates").all() as Row[]).map(toTemplate);
  }

  /** Any version ever saved, current or not, deleted or not (instances launch from these). */
  findTemplateVersion(hashId: string): { templateId: number; content: Record<string, unknown> } | undefined {
    const row = this.#stmt("version").get(hashId) as Row | undefined;
    if (!row) return undefined;
    return { templateId: Number(row["template_id"]), content: JSON.parse(String(row["content"])) as Record<string, unknown> };
  }

  deleteTemplate(id: number): void {
    this.#stmt("deleteTemplate").run(id);
  }

  insertSshKey(publicKey: string, createdAt: number): SshKeyRecord {
    const id = this.nextId("ssh_key");
    this.#stmt("insertKey").run(id, publicKey, createdAt);
    return { id, publicKey, createdAt };
  }

  listSshKeys(): SshKeyRecord[] {
    return (this.#stmt("listKeys").all() as Row[]).map(toSshKey);
  }

  getSshKey(id: number): SshKeyRecord | undefined {
    const row = this.#stmt("getKey").get(id) as Row | undefined;
    return row ? toSshKey(row) : undefined;
  }

  updateSshKey(id: number, publicKey: string): void {
    this.#stmt("updateKey").run(publicKey, id);
  }

  deleteSshKey(id: number): void {
    this.#stmt("deleteKey").run(id);
  }

  listSecrets(): Array<{ key: string; value: string }> {
    return (this.#stmt("listSecrets").all() as Row[]).map((row) => ({ key: String(row["key"]), value: String(row["value"]) }));
  }

  getSecret(key: string): string | undefined {
    const row = this.#stmt("getSecret").get(key) as Row | undefined;
    return row ? String(row["value"]) : undefined;
  }

  putSecret(key: string, value: string): void {
    this.#stmt("upsertSecret").run(key, value);
  }

  deleteSecret(key: string): void {
    this.#stmt("deleteSecret").run(key);
  }

  insertVolume(volumeOfferId: number, name: string | null, size: number, createdAt: number): VolumeRecord {
    const id = this.nextId("volume");
    this.#stmt("insertVolume").run(id, volumeOfferId, name, size, createdAt);
    return { id, volumeOfferId, name, size, createdAt, instanceId: null };
  }

  listVolumes(): VolumeRecord[] {
    return (this.#stmt("listVolumes").all() as Row[]).map(toVolume);
  }

  getVolume(id: number): VolumeRecord | undefined {
    const row = this.#stmt("getVolume").get(id) as Row | undefined;
    return row ? toVolume(row) : undefined;
  }

  deleteVolume(id: number): void {
    this.#stmt("deleteVolume").run(id);
  }

  insertEndpoint(fields: Record<string, unknown>, apiKey: string, createdAt: number): EndpointRecord {
    const id = this.nextId("endpoint");
    this.#stmt("insertEndpoint").run(id, JSON.stringify(fields), apiKey, createdAt);
    return { id, fields, apiKey, createdAt };
  }

  listEndpoints(): EndpointRecord[] {
    return (this.#stmt("listEndpoints").all() as Row[]).map(toEndpoint);
  }

  getEndpoint(id: number): EndpointRecord | undefined {
    const row = this.#stmt("getEndpoint").get(id) as Row | undefined;
    return row ? toEndpoint(row) : undefined;
  }

  setEndpointFields(id: number, fields: Record<string, unknown>): void {
    this.#stmt("setEndpointFields").run(JSON.stringify(fields), id);
  }

  deleteEndpoint(id: number): void {
    this.#stmt("deleteEndpoint").run(id);
  }

  insertWorkergroup(endpointId: number, fields: Record<string, unknown>, apiKey: string, createdAt: number): WorkergroupRecord {
    const id = this.nextId("workergroup");
    this.#stmt("insertWorkergroup").run(id, endpointId, JSON.stringify(fields), apiKey, createdAt);
    return { id, endpointId, fields, apiKey, createdAt, rollingUpdates: 0 };
  }

  listWorkergroups(): WorkergroupRecord[] {
    return (this.#stmt("listWorkergroups").all() as Row[]).map(toWorkergroup);
  }

  getWorkergroup(id: number): WorkergroupRecord | undefined {
    const row = this.#stmt("getWorkergroup").get(id) as Row | undefined;
    return row ? toWorkergroup(row) : undefined;
  }

  setWorkergroupFields(id: number, fields: Record<string, unknown>): void {
    this.#stmt("setWorkergroupFields").run(JSON.stringify(fields), id);
  }

  countRollingUpdate(id: number): void {
    this.#stmt("countRollingUpdate").run(id);
  }

  deleteWorkergroup(id: number): void {
    this.#stmt("deleteWorkergroup").run(id);
  }

  insertWorker(worker: WorkerRecord): void {
    this.#stmt("insertWorker").run(worker.instanceId, worker.workergroupId, worker.endpointId);
  }

  listWorkers(): WorkerRecord[] {
    return (this.#stmt("listWorkers").all() as Row[]).map(toWorker);
  }

  deleteWorker(instanceId: number): void {
    this.#stmt("deleteWorker").run(instanceId);
  }

  /**
   * An outbid instance's offer now belongs to the higher bidder (fault knob `outbid`): it stays
   * out of search after the instance is destroyed.
   */
  giveOfferAway(offerId: number): void {
    this.#stmt("giveOfferAway").run(offerId);
  }

  /** Rents a network volume; its id comes from the same counter as local volumes (one `/volumes/` id space). */
  insertNetworkVolume(offerId: number, name: string | null, size: number, createdAt: number): NetworkVolumeRecord {
    const id = this.nextId("volume");
    this.#stmt("insertNetworkVolume").run(id, offerId, name, size, createdAt);
    return { id, offerId, name, size, createdAt };
  }

  listNetworkVolumes(): NetworkVolumeRecord[] {
    return (this.#stmt("listNetworkVolumes").all() as Row[]).map(toNetworkVolume);
  }

  deleteNetworkVolume(id: number): void {
    this.#stmt("deleteNetworkVolume").run(id);
  }

  /** Records where an instance mounts a volume (local or network); gone with the instance. */
  mountVolume(volumeId: number, instanceId: number, mountPath: string): void {
    this.#stmt("mountVolume").run(volumeId, instanceId, mountPath);
  }

  /** Until when (epoch ms) Vast is still releasing a volume from a destroyed instance; 0 when it is not. */
  volumeReleasedAt(volumeId: number): number {
    const row = this.#stmt("releasingUntil").get(volumeId) as Row | undefined;
    return row ? Number(row["until"]) : 0;
  }

  listVolumeMounts(): VolumeMount[] {
    return (this.#stmt("listMounts").all() as Row[]).map(toVolumeMount);
  }

  close(): void {
    this.#db.close();
  }
}
