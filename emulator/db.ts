/**
 * The emulator's state, in SQLite (`node:sqlite`). This module alone owns the DatabaseSync: the
 * schema is created in one `exec` under `SCHEMA_VERSION` (kept in `PRAGMA user_version`), every
 * statement is prepared once, and callers get typed records, never SQL. In memory by default;
 * with a file path the state survives a restart (instances, templates, keys, secrets, volumes,
 * rented offers and id counters).
 *
 * Over 600 lines because it is the one owner of SQL: every table's statements live here, those of
 * accounts, keys, teams, clusters and overlays in `prepareAccountStatements` at the end.
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
import {
  type AccountRecord,
  type ApiKeyRecord,
  type ClusterRecord,
  type MemberRecord,
  type OverlayRecord,
  type RoleRecord,
  toAccount,
  toApiKey,
  toMember,
  toRole,
} from "./account-records.ts";

export type { InstanceConfig, InstanceRecord, NetworkVolumeRecord, SshKeyRecord, TemplateRecord, VolumeMount, VolumeRecord };
export type { EndpointRecord, WorkergroupRecord, WorkerRecord };
export type { AccountRecord, ApiKeyRecord, ClusterRecord, MemberRecord, OverlayRecord, RoleRecord };

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
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  username TEXT NOT NULL,
  email TEXT,
  parent_id INTEGER,
  owner_id INTEGER,
  key_id INTEGER,
  host_only INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  deleted_at REAL
);
INSERT OR IGNORE INTO accounts (id, kind, username, email, created_at) VALUES (1, 'user', 'vast-kit-emulator', 'emulator@vast-kit.invalid', 0);
CREATE TABLE IF NOT EXISTS api_keys (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  name TEXT,
  key_hash TEXT NOT NULL UNIQUE,
  permissions TEXT NOT NULL,
  key_params TEXT,
  created_at REAL NOT NULL,
  deleted_at REAL
);
CREATE TABLE IF NOT EXISTS team_roles (
  id INTEGER PRIMARY KEY,
  team_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  permissions TEXT NOT NULL,
  UNIQUE (team_id, name)
);
CREATE TABLE IF NOT EXISTS team_members (team_id INTEGER NOT NULL, user_id INTEGER NOT NULL, role TEXT NOT NULL, PRIMARY KEY (team_id, user_id));
CREATE TABLE IF NOT EXISTS team_invites (
  team_id INTEGER NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  invited_at REAL NOT NULL,
  PRIMARY KEY (team_id, email)
);
CREATE TABLE IF NOT EXISTS clusters (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, subnet TEXT NOT NULL, manager_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cluster_machines (
  cluster_id INTEGER NOT NULL,
  machine_id INTEGER NOT NULL,
  local_ip TEXT NOT NULL,
  PRIMARY KEY (cluster_id, machine_id)
);
CREATE TABLE IF NOT EXISTS overlays (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  cluster_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (account_id, name)
);
CREATE TABLE IF NOT EXISTS overlay_instances (overlay_id INTEGER NOT NULL, instance_id INTEGER NOT NULL, PRIMARY KEY (overlay_id, instance_id));
INSERT OR IGNORE INTO counters (name, next) VALUES ('account', 1001), ('api_key', 101), ('role', 501), ('cluster', 41), ('overlay', 71);
`;

type Counter =
  "instance" | "template" | "ssh_key" | "volume" | "endpoint" | "workergroup" | "account" | "api_key" | "role" | "cluster" | "overlay";

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
      ...prepareAccountStatements(prepare),
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
      this.#stmt("leaveOverlays").run(id);
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

  // ---- accounts, API keys, teams (vast-api-more.md §4) ----

  /** Binds the emulator's configured key to account 1 as key 1 (the key every test starts with). */
  bindPrimaryKey(keyHash: string): void {
    this.#stmt("bindPrimaryKey").run(keyHash);
  }

  /** The live key with this SHA-256, or undefined (unknown or deleted keys do not authenticate). */
  findApiKey(keyHash: string): ApiKeyRecord | undefined {
    const row = this.#stmt("findKey").get(keyHash) as Row | undefined;
    return row ? toApiKey(row) : undefined;
  }

  /** A live key by id, whatever its account. */
  getApiKey(id: number): ApiKeyRecord | undefined {
    const row = this.#stmt("getApiKey").get(id) as Row | undefined;
    return row ? toApiKey(row) : undefined;
  }

  insertApiKey(key: Omit<ApiKeyRecord, "id">, keyHash: string): ApiKeyRecord {
    const id = this.nextId("api_key");
    this.#stmt("insertApiKey").run(
      id,
      key.accountId,
      key.userId,
      key.name,
      keyHash,
      JSON.stringify(key.permissions),
      key.keyParams,
      key.createdAt,
    );
    return { id, ...key };
  }

  /** Live keys acting on `accountId`. */
  listApiKeys(accountId: number): ApiKeyRecord[] {
    return (this.#stmt("listApiKeys").all(accountId) as Row[]).map(toApiKey);
  }

  /** Soft delete: the row stays with `deleted_at`, and the key stops authenticating. */
  deleteApiKey(id: number, now: number): void {
    this.#stmt("deleteApiKey").run(now, id);
  }

  /** A live account by id. */
  getAccount(id: number): AccountRecord | undefined {
    const row = this.#stmt("getAccount").get(id) as Row | undefined;
    return row ? toAccount(row) : undefined;
  }

  /** A live account whose email or user name is this one (emails and user names are unique). */
  findAccount(by: { email?: string; username?: string; kind?: "user" | "team" }): AccountRecord | undefined {
    const row = this.#stmt("findAccount").get(by.email ?? null, by.username ?? null, by.kind ?? null) as Row | undefined;
    return row ? toAccount(row) : undefined;
  }

  /** A user account with its own key (a subaccount when `parentId` is set, an invited person otherwise). */
  createUser(
    user: { username: string; email: string; parentId: number | null; hostOnly: boolean; createdAt: number },
    keyHash: string,
  ): AccountRecord {
    return this.#transaction(() => {
      const id = this.nextId("account");
      const key = this.insertApiKey(
        { accountId: id, userId: id, name: "default", permissions: {}, keyParams: null, createdAt: user.createdAt },
        keyHash,
      );
      this.#stmt("insertAccount").run(
        id,
        "user",
        user.username,
        user.email,
        user.parentId,
        null,
        key.id,
        user.hostOnly ? 1 : 0,
        user.createdAt,
      );
      return {
        id,
        kind: "user" as const,
        username: user.username,
        email: user.email,
        parentId: user.parentId,
        ownerId: null,
        keyId: key.id,
        hostOnly: user.hostOnly,
        createdAt: user.createdAt,
      };
    });
  }

  /** Live subaccounts of `parentId`. */
  listSubaccounts(parentId: number): AccountRecord[] {
    return (this.#stmt("listSubaccounts").all(parentId) as Row[]).map(toAccount);
  }

  /**
   * Creates a team account owned by the key's holder, with its default roles and the owner as
   * member, and binds the creating key to the team (vast-api-more.md §4.1, "the key that created
   * the team becomes the team key").
   */
  createTeam(
    name: string,
    key: ApiKeyRecord,
    roles: Array<{ name: string; permissions: Record<string, unknown> }>,
    now: number,
  ): AccountRecord {
    return this.#transaction(() => {
      const id = this.nextId("account");
      this.#stmt("insertAccount").run(id, "team", name, null, null, key.userId, key.id, 0, now);
      for (const role of roles) this.insertRole(id, role.name, role.permissions);
      this.#stmt("addMember").run(id, key.userId, "owner");
      this.#stmt("rebindKey").run(id, key.id);
      return {
        id,
        kind: "team" as const,
        username: name,
        email: null,
        parentId: null,
        ownerId: key.userId,
        keyId: key.id,
        hostOnly: false,
        createdAt: now,
      };
    });
  }

  /** Deletes a team: its key goes back to the owner's account, its other keys stop working, roles and members go. */
  deleteTeam(team: AccountRecord, now: number): void {
    this.#transaction(() => {
      if (team.keyId !== null && team.ownerId !== null) this.#stmt("rebindKey").run(team.ownerId, team.keyId);
      this.#stmt("deleteAccountKeys").run(now, team.id);
      this.#stmt("deleteAccount").run(now, team.id);
      this.#stmt("deleteTeamRoles").run(team.id);
      this.#stmt("deleteTeamMembers").run(team.id);
      this.#stmt("deleteTeamInvites").run(team.id);
    });
  }

  insertRole(teamId: number, name: string, permissions: Record<string, unknown>): RoleRecord {
    const id = this.nextId("role");
    this.#stmt("insertRole").run(id, teamId, name, JSON.stringify(permissions));
    return { id, teamId, name, permissions };
  }

  listRoles(teamId: number): RoleRecord[] {
    return (this.#stmt("listRoles").all(teamId) as Row[]).map(toRole);
  }

  /** A role of the team by id or by name. */
  findRole(teamId: number, by: { id?: number; name?: string }): RoleRecord | undefined {
    const row = this.#stmt("findRole").get(teamId, by.id ?? null, by.name ?? null) as Row | undefined;
    return row ? toRole(row) : undefined;
  }

  /** Changes a role; members and pending invitations holding it by its old name follow the rename. */
  updateRole(role: RoleRecord, name: string, permissions: Record<string, unknown>): void {
    this.#transaction(() => {
      this.#stmt("updateRole").run(name, JSON.stringify(permissions), role.id);
      this.#stmt("renameMemberRole").run(name, role.teamId, role.name);
      this.#stmt("renameInviteRole").run(name, role.teamId, role.name);
    });
  }

  deleteRole(id: number): void {
    this.#stmt("deleteRole").run(id);
  }

  listMembers(teamId: number): MemberRecord[] {
    return (this.#stmt("listMembers").all(teamId) as Row[]).map(toMember);
  }

  /** Returns false when the user was not a member. */
  removeMember(teamId: number, userId: number): boolean {
    return Number(this.#stmt("removeMember").run(teamId, userId).changes) > 0;
  }

  /** When the pending invitation of `email` to the team was sent, if there is one. */
  inviteSentAt(teamId: number, email: string): number | undefined {
    const row = this.#stmt("getInvite").get(teamId, email) as Row | undefined;
    return row ? Number(row["invited_at"]) : undefined;
  }

  putInvite(teamId: number, email: string, role: string, now: number): void {
    this.#stmt("putInvite").run(teamId, email, role, now);
  }

  /** Turns every pending invitation of `email` into a membership of `userId`; returns the team ids. */
  acceptInvites(email: string, userId: number): number[] {
    return this.#transaction(() => {
      const invites = this.#stmt("invitesFor").all(email) as Row[];
      for (const invite of invites) this.#stmt("addMember").run(Number(invite["team_id"]), userId, String(invite["role"]));
      this.#stmt("dropInvitesFor").run(email);
      return invites.map((invite) => Number(invite["team_id"]));
    });
  }

  // ---- clusters and overlays (vast-api-more.md §5) ----

  insertCluster(accountId: number, subnet: string, managerId: number, managerIp: string): number {
    return this.#transaction(() => {
      const id = this.nextId("cluster");
      this.#stmt("insertCluster").run(id, accountId, subnet, managerId);
      this.#stmt("addClusterMachine").run(id, managerId, managerIp);
      return id;
    });
  }

  listClusters(accountId: number): ClusterRecord[] {
    return (this.#stmt("listClusters").all(accountId) as Row[]).map((row) => ({
      id: Number(row["id"]),
      accountId: Number(row["account_id"]),
      subnet: String(row["subnet"]),
      managerId: Number(row["manager_id"]),
      machines: (this.#stmt("clusterMachines").all(Number(row["id"])) as Row[]).map((m) => ({
        machineId: Number(m["machine_id"]),
        localIp: String(m["local_ip"]),
      })),
    }));
  }

  addClusterMachine(clusterId: number, machineId: number, localIp: string): void {
    this.#stmt("addClusterMachine").run(clusterId, machineId, localIp);
  }

  /** Removes a machine, handing the manager role to `newManagerId` when given. */
  removeClusterMachine(clusterId: number, machineId: number, newManagerId: number | undefined): void {
    this.#transaction(() => {
      this.#stmt("removeClusterMachine").run(clusterId, machineId);
      if (newManagerId !== undefined) this.#stmt("setClusterManager").run(newManagerId, clusterId);
    });
  }

  /** Deletes a cluster and its overlays. */
  deleteCluster(id: number): void {
    this.#transaction(() => {
      for (const row of this.#stmt("clusterOverlays").all(id) as Row[]) this.deleteOverlay(Number(row["id"]));
      this.#stmt("dropClusterMachines").run(id);
      this.#stmt("deleteCluster").run(id);
    });
  }

  insertOverlay(accountId: number, clusterId: number, name: string): number {
    const id = this.nextId("overlay");
    this.#stmt("insertOverlay").run(id, accountId, clusterId, name);
    return id;
  }

  listOverlays(accountId: number): OverlayRecord[] {
    return (this.#stmt("listOverlays").all(accountId) as Row[]).map((row) => ({
      id: Number(row["id"]),
      accountId: Number(row["account_id"]),
      clusterId: Number(row["cluster_id"]),
      name: String(row["name"]),
      instanceIds: (this.#stmt("overlayInstances").all(Number(row["id"])) as Row[]).map((m) => Number(m["instance_id"])),
    }));
  }

  joinOverlay(overlayId: number, instanceId: number): void {
    this.#stmt("joinOverlay").run(overlayId, instanceId);
  }

  /** Deletes an overlay; its instances leave it and keep running (vast-api-more.md §10 q9 is open; the emulator detaches). */
  deleteOverlay(id: number): void {
    this.#stmt("dropOverlayInstances").run(id);
    this.#stmt("deleteOverlay").run(id);
  }

  /** A destroyed instance leaves every overlay (vast-api-more.md §5.2). */
  leaveOverlays(instanceId: number): void {
    this.#stmt("leaveOverlays").run(instanceId);
  }

  close(): void {
    this.#db.close();
  }
}

/** The statements behind accounts, keys, teams, clusters and overlays, prepared once with the rest. */
function prepareAccountStatements(prepare: (sql: string) => StatementSync): Record<string, StatementSync> {
  return {
    bindPrimaryKey: prepare(
      "INSERT INTO api_keys (id, account_id, user_id, name, key_hash, permissions, created_at) VALUES (1, 1, 1, 'primary', ?, '{}', 0) ON CONFLICT (id) DO UPDATE SET key_hash = excluded.key_hash",
    ),
    findKey: prepare("SELECT * FROM api_keys WHERE key_hash = ? AND deleted_at IS NULL"),
    getApiKey: prepare("SELECT * FROM api_keys WHERE id = ? AND deleted_at IS NULL"),
    insertApiKey: prepare(
      "INSERT INTO api_keys (id, account_id, user_id, name, key_hash, permissions, key_params, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    listApiKeys: prepare("SELECT * FROM api_keys WHERE account_id = ? AND deleted_at IS NULL ORDER BY id"),
    deleteApiKey: prepare("UPDATE api_keys SET deleted_at = ? WHERE id = ?"),
    rebindKey: prepare("UPDATE api_keys SET account_id = ? WHERE id = ?"),
    deleteAccountKeys: prepare("UPDATE api_keys SET deleted_at = ? WHERE account_id = ? AND deleted_at IS NULL"),
    getAccount: prepare("SELECT * FROM accounts WHERE id = ? AND deleted_at IS NULL"),
    findAccount: prepare(
      "SELECT * FROM accounts WHERE deleted_at IS NULL AND (email = ?1 OR username = ?2) AND (?3 IS NULL OR kind = ?3) ORDER BY id LIMIT 1",
    ),
    insertAccount: prepare(
      "INSERT INTO accounts (id, kind, username, email, parent_id, owner_id, key_id, host_only, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    deleteAccount: prepare("UPDATE accounts SET deleted_at = ? WHERE id = ?"),
    listSubaccounts: prepare("SELECT * FROM accounts WHERE parent_id = ? AND deleted_at IS NULL ORDER BY id"),
    insertRole: prepare("INSERT INTO team_roles (id, team_id, name, permissions) VALUES (?, ?, ?, ?)"),
    listRoles: prepare("SELECT * FROM team_roles WHERE team_id = ? ORDER BY id"),
    findRole: prepare("SELECT * FROM team_roles WHERE team_id = ?1 AND (id = ?2 OR name = ?3)"),
    updateRole: prepare("UPDATE team_roles SET name = ?, permissions = ? WHERE id = ?"),
    renameMemberRole: prepare("UPDATE team_members SET role = ?1 WHERE team_id = ?2 AND role = ?3"),
    renameInviteRole: prepare("UPDATE team_invites SET role = ?1 WHERE team_id = ?2 AND role = ?3"),
    deleteRole: prepare("DELETE FROM team_roles WHERE id = ?"),
    deleteTeamRoles: prepare("DELETE FROM team_roles WHERE team_id = ?"),
    addMember: prepare("INSERT OR REPLACE INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)"),
    listMembers: prepare(
      "SELECT m.user_id, m.role, a.username, a.email FROM team_members m JOIN accounts a ON a.id = m.user_id WHERE m.team_id = ? ORDER BY m.user_id",
    ),
    removeMember: prepare("DELETE FROM team_members WHERE team_id = ? AND user_id = ?"),
    deleteTeamMembers: prepare("DELETE FROM team_members WHERE team_id = ?"),
    getInvite: prepare("SELECT invited_at FROM team_invites WHERE team_id = ? AND email = ?"),
    putInvite: prepare(
      "INSERT INTO team_invites (team_id, email, role, invited_at) VALUES (?, ?, ?, ?) ON CONFLICT (team_id, email) DO UPDATE SET role = excluded.role, invited_at = excluded.invited_at",
    ),
    invitesFor: prepare("SELECT team_id, role FROM team_invites WHERE email = ?"),
    dropInvitesFor: prepare("DELETE FROM team_invites WHERE email = ?"),
    deleteTeamInvites: prepare("DELETE FROM team_invites WHERE team_id = ?"),
    insertCluster: prepare("INSERT INTO clusters (id, account_id, subnet, manager_id) VALUES (?, ?, ?, ?)"),
    listClusters: prepare("SELECT * FROM clusters WHERE account_id = ? ORDER BY id"),
    clusterMachines: prepare("SELECT machine_id, local_ip FROM cluster_machines WHERE cluster_id = ? ORDER BY machine_id"),
    addClusterMachine: prepare("INSERT OR IGNORE INTO cluster_machines (cluster_id, machine_id, local_ip) VALUES (?, ?, ?)"),
    removeClusterMachine: prepare("DELETE FROM cluster_machines WHERE cluster_id = ? AND machine_id = ?"),
    setClusterManager: prepare("UPDATE clusters SET manager_id = ? WHERE id = ?"),
    dropClusterMachines: prepare("DELETE FROM cluster_machines WHERE cluster_id = ?"),
    deleteCluster: prepare("DELETE FROM clusters WHERE id = ?"),
    clusterOverlays: prepare("SELECT id FROM overlays WHERE cluster_id = ?"),
    insertOverlay: prepare("INSERT INTO overlays (id, account_id, cluster_id, name) VALUES (?, ?, ?, ?)"),
    listOverlays: prepare("SELECT * FROM overlays WHERE account_id = ? ORDER BY id"),
    overlayInstances: prepare("SELECT instance_id FROM overlay_instances WHERE overlay_id = ? ORDER BY instance_id"),
    joinOverlay: prepare("INSERT OR IGNORE INTO overlay_instances (overlay_id, instance_id) VALUES (?, ?)"),
    dropOverlayInstances: prepare("DELETE FROM overlay_instances WHERE overlay_id = ?"),
    deleteOverlay: prepare("DELETE FROM overlays WHERE id = ?"),
    leaveOverlays: prepare("DELETE FROM overlay_instances WHERE instance_id = ?"),
  };
}
