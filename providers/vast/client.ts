/**
 * The Vast REST client: one undici Agent, one method per endpoint, every response parsed with zod
 * before it leaves this module (vast-api.md is the contract; section numbers below point into it).
 */
import { Agent, interceptors, type Dispatcher } from "undici";
import type { z } from "zod";
import { VastError, VastErrorCode } from "./errors.ts";
import { Pacer, type PaceClass } from "./pacer.ts";
import {
  type Charge,
  ChargePage,
  CreateInstanceResult,
  CreateVolumeResult,
  CurrentUser,
  ErrorBody,
  Instance,
  InstancePage,
  InstanceRead,
  OfferList,
  SecretList,
  SshKey,
  SshKeyCreated,
  Template,
  TemplateSearch,
  TemplateWrite,
  VolumeList,
  VolumeOfferList,
  type CreateInstanceBody,
  type CreateVolumeBody,
  type Offer,
  type TemplateBody,
  type Volume,
  type VolumeOffer,
} from "./schemas.ts";

/** Options of {@link VastClient}. */
export interface VastClientOptions {
  /** Base URL without `/api/v0`, e.g. `https://console.vast.ai`. */
  apiUrl: string;
  /** Sent only as `Authorization: Bearer` (vast-api.md §1.2); never logged or put in an error. */
  apiKey: string;
  /** Per-request deadline for headers and for body gaps. Defaults to 30 000 ms. */
  timeoutMs?: number;
  /** Deadline of a create (`PUT /asks/`), at least the official CLI's 120 s (§1.5). Defaults to 120 000 ms. */
  createTimeoutMs?: number;
  /** Retries after the first attempt on 5xx and network failures (idempotent calls only). Defaults to 4. */
  maxRetries?: number;
  /**
   * Retries after a 429, which Vast answers before doing anything (§5.2), so every call may
   * repeat it. Defaults to 15: about four minutes of backoff before the call fails.
   */
  maxRateLimitRetries?: number;
  /** First backoff delay; doubles per attempt up to 20 s, with ±50 % jitter. Defaults to 1000 ms (429 needs ≥ 1 s, §5.2). */
  minRetryDelayMs?: number;
}

/** Query of `POST /bundles/`: `{field: {op: value}}` plus the reserved keys (vast-api.md §3.1). */
export type OfferQuery = Record<string, unknown>;

/** `never`: for calls whose 429 is an answer rather than a throttle (a team invitation sent too recently). */
type RetryClass = "idempotent" | "refusedOnly" | "never";

/** One request as the transport sends it; see {@link VastClient.request}. */
export interface CallOptions<S extends z.ZodType> {
  operation: string;
  method: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: S;
  /** `refusedOnly` retries only 429, which Vast answers before doing anything (§5.2). */
  retry: RetryClass;
  /** The rate-limit class the call is paced in (pacer.ts). */
  pace: PaceClass;
  /** Overrides the client's per-request timeout. */
  timeoutMs?: number;
  /** Statuses that are an answer rather than an error (e.g. 404 on a read). */
  acceptStatus?: readonly number[];
}

const retryableStatus = [429, 500, 502, 503, 504];
const retryableNetworkCodes = [
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
];

export class VastClient {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #createTimeoutMs: number;
  readonly #pacer = new Pacer();
  readonly #agent: Agent;
  readonly #dispatchers: Record<RetryClass, Dispatcher>;

  constructor(options: VastClientOptions) {
    this.#base = new URL(options.apiUrl.replace(/\/+$/, "") + "/");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#createTimeoutMs = options.createTimeoutMs ?? 120_000;
    this.#agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
    const limits = {
      maxRetries: options.maxRetries ?? 4,
      maxRateLimitRetries: options.maxRateLimitRetries ?? 15,
      minDelay: options.minRetryDelayMs ?? 1000,
    };
    this.#dispatchers = {
      idempotent: this.#agent.compose(interceptors.retry(retryOptions("idempotent", limits))),
      refusedOnly: this.#agent.compose(interceptors.retry(retryOptions("refusedOnly", limits))),
      never: this.#agent,
    };
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  // ---- account (§3.9) ----

  /** The account the key belongs to (`GET /users/current`); the answer never holds the key. */
  async currentUser(): Promise<CurrentUser> {
    return this.#call({
      operation: "read the current user",
      method: "GET",
      path: "api/v0/users/current",
      schema: CurrentUser,
      retry: "idempotent",
      pace: "account",
    });
  }

  // ---- offers (§3.1) ----

  /** Searches offers; `query` is the `/bundles/` body. */
  async searchOffers(query: OfferQuery): Promise<Offer[]> {
    const res = await this.#call({
      operation: "search offers",
      method: "POST",
      path: "api/v0/bundles/",
      body: query,
      schema: OfferList,
      retry: "idempotent",
      pace: "search",
    });
    return res.offers;
  }

  // ---- instances (§3.2–§3.4) ----

  /** Rents an offer. Never retried except on 429: a lost answer may still have rented it (§5.4). */
  async createInstance(offerId: number, body: CreateInstanceBody): Promise<number> {
    const res = await this.#call({
      operation: `create instance on offer ${offerId}`,
      method: "PUT",
      path: `api/v0/asks/${offerId}/`,
      body,
      schema: CreateInstanceResult,
      retry: "refusedOnly",
      pace: "create",
      timeoutMs: this.#createTimeoutMs,
    });
    return res.new_contract;
  }

  /** Reads one instance; `undefined` when Vast says it is gone (404, null, `{}` or no id: §3.3.1). */
  async getInstance(id: number): Promise<Instance | undefined> {
    const res = await this.#call({
      operation: `read instance ${id}`,
      method: "GET",
      path: `api/v0/instances/${id}/`,
      query: { owner: "me" },
      schema: InstanceRead,
      retry: "idempotent",
      pace: "read",
      acceptStatus: [404],
    });
    const parsed = Instance.safeParse(res?.instances);
    return parsed.success ? parsed.data : undefined;
  }

  /** Lists the caller's instances matching `filters` (`select_filters` of the v1 list, §3.3.2), all pages. */
  async listInstances(filters: Record<string, unknown> = {}): Promise<Instance[]> {
    const all: Instance[] = [];
    let token: string | null | undefined;
    for (let page = 0; page < 1000; page++) {
      const query: Record<string, string> = { select_filters: JSON.stringify(filters), limit: "25" };
      if (token) query.after_token = token;
      const res = await this.#call({
        operation: "list instances",
        method: "GET",
        path: "api/v1/instances/",
        query,
        schema: InstancePage,
        retry: "idempotent",
        pace: "list",
      });
      all.push(...res.instances);
      token = res.next_token;
      if (!token) return all;
    }
    throw new VastError(VastErrorCode.badResponse, "list instances: more than 1000 pages; Vast keeps returning next_token", {
      operation: "list instances",
    });
  }

  /** Sets the desired state and/or label (`PUT /instances/{id}/`); idempotent in effect (§5.2). */
  async manageInstance(id: number, change: { state?: "running" | "stopped"; label?: string }): Promise<void> {
    await this.#call({
      operation: `update instance ${id}`,
      method: "PUT",
      path: `api/v0/instances/${id}/`,
      body: change,
      schema: ErrorBody,
      retry: "idempotent",
      pace: "manage",
    });
  }

  /** Changes an interruptible instance's bid (§3.4). */
  async changeBid(id: number, price: number): Promise<void> {
    await this.#call({
      operation: `change bid of instance ${id}`,
      method: "PUT",
      path: `api/v0/instances/bid_price/${id}/`,
      body: { client_id: "me", price },
      schema: ErrorBody,
      retry: "idempotent",
      pace: "manage",
    });
  }

  /** Destroys an instance; a 404 means it is already gone, which is success (§5.4). */
  async destroyInstance(id: number): Promise<void> {
    await this.#call({
      operation: `destroy instance ${id}`,
      method: "DELETE",
      path: `api/v0/instances/${id}/`,
      body: {},
      schema: ErrorBody,
      retry: "idempotent",
      pace: "destroy",
      acceptStatus: [404],
    });
  }

  // ---- templates (§3.5) ----

  /** Creates a template; identical content returns the existing record, so a retry after 429 is safe. */
  async createTemplate(body: TemplateBody): Promise<Template> {
    const res = await this.#call({
      operation: `create template "${body.name}"`,
      method: "POST",
      path: "api/v0/template/",
      body,
      schema: TemplateWrite,
      retry: "refusedOnly",
      pace: "template",
    });
    return res.template;
  }

  /** Edits the template whose current hash is `hashId`; the id stays, the hash changes. */
  async updateTemplate(hashId: string, body: TemplateBody): Promise<Template> {
    const res = await this.#call({
      operation: `update template ${hashId}`,
      method: "PUT",
      path: "api/v0/template/",
      body: { hash_id: hashId, ...body },
      schema: TemplateWrite,
      retry: "idempotent",
      pace: "template",
    });
    return res.template;
  }

  /** Finds a template by numeric id among the caller's templates. */
  async findTemplate(id: number): Promise<Template | undefined> {
    const templates = await this.searchTemplates({ id: { eq: id } });
    return templates.find((t) => t.id === id);
  }

  /** Templates matching `filters` (`select_filters` in the `/bundles/` operator shape, §3.5). */
  async searchTemplates(filters: Record<string, unknown>): Promise<Template[]> {
    const res = await this.#call({
      operation: `search templates ${JSON.stringify(filters)}`,
      method: "GET",
      path: "api/v0/template/",
      query: { select_cols: JSON.stringify(["*"]), select_filters: JSON.stringify(filters) },
      schema: TemplateSearch,
      retry: "idempotent",
      pace: "template",
    });
    return res.templates;
  }

  /** Deletes a template by numeric id (the documented key, §3.5); unknown means done. */
  async deleteTemplate(id: number): Promise<void> {
    await this.#call({
      operation: `delete template ${id}`,
      method: "DELETE",
      path: "api/v0/template/",
      body: { template_id: id },
      schema: ErrorBody,
      retry: "idempotent",
      pace: "template",
      acceptStatus: [404],
    });
  }

  // ---- SSH keys (§3.6) ----

  async createSshKey(publicKey: string): Promise<SshKey> {
    const res = await this.#call({
      operation: "create SSH key",
      method: "POST",
      path: "api/v0/ssh/",
      body: { ssh_key: publicKey },
      schema: SshKeyCreated,
      retry: "refusedOnly",
      pace: "account",
    });
    return res.key;
  }

  /** Lists account SSH keys; Vast answers 404 when there are none. */
  async listSshKeys(): Promise<SshKey[]> {
    const res = await this.#call({
      operation: "list SSH keys",
      method: "GET",
      path: "api/v0/ssh/",
      schema: SshKey.array().or(ErrorBody),
      retry: "idempotent",
      pace: "account",
      acceptStatus: [404],
    });
    return Array.isArray(res) ? res : [];
  }

  /** Deletes an SSH key; Vast answers 400 `no_ssh_key` for an unknown one, which is done. */
  async deleteSshKey(id: number): Promise<void> {
    try {
      await this.#call({
        operation: `delete SSH key ${id}`,
        method: "DELETE",
        path: `api/v0/ssh/${id}/`,
        body: {},
        schema: ErrorBody,
        retry: "idempotent",
        pace: "account",
      });
    } catch (error) {
      if (error instanceof VastError && error.vastError === "no_ssh_key") return;
      throw error;
    }
  }

  // ---- volumes: local (§3.8) and network (vast-api-more.md §2.2) ----

  /** Searches volume offers; `query` is the `/volumes/search/` body (same shape as `/bundles/`). */
  async searchVolumeOffers(query: OfferQuery): Promise<VolumeOffer[]> {
    const res = await this.#call({
      operation: "search volume offers",
      method: "POST",
      path: "api/v0/volumes/search/",
      body: query,
      schema: VolumeOfferList,
      retry: "idempotent",
      pace: "search",
    });
    return res.offers;
  }

  /**
   * Rents a volume and returns its id. Never retried except on 429: a lost answer may still have
   * rented it. The id comes from `volume_id`, `id` or `volume_name` ("V.<id>"), whichever is sent.
   */
  async createVolume(body: CreateVolumeBody): Promise<number> {
    return this.#rentVolume("volume", "api/v0/volumes/", body);
  }

  /** Searches network-volume offers (`POST /network_volumes/search/`, vast-api-more.md §2.2); `query` has the `/volumes/search/` shape. */
  async searchNetworkVolumeOffers(query: OfferQuery): Promise<VolumeOffer[]> {
    const res = await this.#call({
      operation: "search network volume offers",
      method: "POST",
      path: "api/v0/network_volumes/search/",
      body: query,
      schema: VolumeOfferList,
      retry: "idempotent",
      pace: "search",
    });
    return res.offers;
  }

  /** Rents a network volume (`PUT /network_volumes/`) and returns its id; retried only on 429, as `createVolume`. */
  async createNetworkVolume(body: CreateVolumeBody): Promise<number> {
    return this.#rentVolume("network volume", "api/v0/network_volumes/", body);
  }

  async #rentVolume(noun: string, path: string, body: CreateVolumeBody): Promise<number> {
    const operation = `create ${noun} on ${noun} offer ${body.id}`;
    const res = await this.#call({
      operation,
      method: "PUT",
      path,
      body,
      schema: CreateVolumeResult,
      retry: "refusedOnly",
      pace: "volume",
      timeoutMs: this.#createTimeoutMs,
    });
    const id = res.volume_id ?? res.id ?? Number(/^V\.(\d+)$/.exec(res.volume_name ?? "")?.[1] ?? NaN);
    if (Number.isInteger(id)) return id;
    throw new VastError(
      VastErrorCode.badResponse,
      `${operation}: Vast answered without a volume id (volume_name=${JSON.stringify(res.volume_name)}); the volume may have been rented: check \`vastai show volumes\``,
      { operation },
    );
  }

  /**
   * The account's charges whose UTC day overlaps `from`..`to` (epoch seconds), all pages of
   * `GET /charges/` (vast-api-more.md §6), oldest first; `types` narrows to `instance`, `volume`
   * and/or `serverless` rows.
   */
  async listCharges(from: number, to: number, types?: readonly string[]): Promise<Charge[]> {
    const filters = { day: { gte: Math.floor(from), lte: Math.ceil(to) }, ...(types ? { type: { in: types } } : {}) };
    const all: Charge[] = [];
    let token: string | null | undefined;
    for (let page = 0; page < 1000; page++) {
      const query: Record<string, string> = { select_filters: JSON.stringify(filters), latest_first: "false", limit: "500" };
      if (token) query.after_token = token;
      const res = await this.#call({
        operation: "list charges",
        method: "GET",
        path: "api/v0/charges/",
        query,
        schema: ChargePage,
        retry: "idempotent",
        pace: "charges",
      });
      all.push(...res.results);
      token = res.next_token;
      if (!token) return all;
    }
    throw new VastError(VastErrorCode.badResponse, "list charges: more than 1000 pages; Vast keeps returning next_token", {
      operation: "list charges",
    });
  }

  /**
   * The account's volumes of one type (`GET /volumes?owner=me&type=…`; there is no single-volume
   * read). Defaults to local volumes.
   */
  async listVolumes(type: "local_volume" | "network_volume" | "all_volume" = "local_volume"): Promise<Volume[]> {
    const res = await this.#call({
      operation: `list volumes (${type})`,
      method: "GET",
      path: "api/v0/volumes/",
      query: { owner: "me", type },
      schema: VolumeList,
      retry: "idempotent",
      pace: "volume",
    });
    return res.volumes;
  }

  /**
   * Deletes a volume, local or network (id in the query, as the CLI sends it); 404 `no_such_volume` means done. Vast
   * refuses to delete an attached volume: that becomes `VAST_VOLUME_IN_USE`.
   */
  async deleteVolume(id: number): Promise<void> {
    try {
      await this.#call({
        operation: `delete volume ${id}`,
        method: "DELETE",
        path: "api/v0/volumes/",
        query: { id: String(id) },
        body: {},
        schema: ErrorBody,
        retry: "idempotent",
        pace: "volume",
        acceptStatus: [404],
      });
    } catch (error) {
      if (!(
        error instanceof VastError &&
        error.status === 400 &&
        /in_use|attached|in use/i.test(`${error.vastError ?? ""} ${error.vastMessage ?? ""}`)
      ))
        throw error;
      throw new VastError(
        VastErrorCode.volumeInUse,
        `volume ${id} is attached to an instance, and Vast deletes a volume only once no instance uses it: destroy the instance first (Vast releases the volume about 30 s later), then run the delete again`,
        {
          operation: error.operation,
          method: error.method,
          path: error.path,
          status: error.status,
          vastError: error.vastError,
          vastMessage: error.vastMessage,
          cause: error,
        },
      );
    }
  }

  // ---- account environment variables (§3.7) ----

  /** Creates or updates an account env var (create, then update on `existing_key`, §5.4). */
  async putSecret(key: string, value: string): Promise<void> {
    try {
      await this.#call({
        operation: `create env var ${key}`,
        method: "POST",
        path: "api/v0/secrets/",
        body: { key, value },
        schema: ErrorBody,
        retry: "refusedOnly",
        pace: "account",
      });
    } catch (error) {
      if (!(error instanceof VastError && error.vastError === "existing_key")) throw error;
      await this.#call({
        operation: `update env var ${key}`,
        method: "PUT",
        path: "api/v0/secrets/",
        body: { key, value },
        schema: ErrorBody,
        retry: "idempotent",
        pace: "account",
      });
    }
  }

  /** Names of the account env vars (values may come back masked, so only names are trusted). */
  async listSecretNames(): Promise<string[]> {
    const res = await this.#call({
      operation: "list env vars",
      method: "GET",
      path: "api/v0/secrets/",
      schema: SecretList,
      retry: "idempotent",
      pace: "account",
    });
    return Object.keys(res.secrets ?? {});
  }

  /** Deletes an account env var; `nonexistent_key` means done. */
  async deleteSecret(key: string): Promise<void> {
    try {
      await this.#call({
        operation: `delete env var ${key}`,
        method: "DELETE",
        path: "api/v0/secrets/",
        body: { key },
        schema: ErrorBody,
        retry: "idempotent",
        pace: "account",
      });
    } catch (error) {
      if (error instanceof VastError && error.vastError === "nonexistent_key") return;
      throw error;
    }
  }

  // ---- transport ----

  /**
   * @internal One call through the paced, retrying transport, for the endpoint modules kept beside
   * this file (serverless-api.ts, team-api.ts), so this one stays within bounds; the answer is parsed with
   * `call.schema` like every other. `call.path` may be an absolute URL (the autoscaler host).
   */
  request<S extends z.ZodType>(call: CallOptions<S>): Promise<z.infer<S>> {
    return this.#call(call);
  }

  async #call<S extends z.ZodType>(call: CallOptions<S>): Promise<z.infer<S>> {
    const url = new URL(call.path, this.#base);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const where = { operation: call.operation, method: call.method, path: url.pathname };
    let status: number;
    let text: string;
    await this.#pacer.take(call.pace);
    try {
      const res = await this.#dispatchers[call.retry].request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: call.method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: "application/json",
          ...(call.body === undefined ? {} : { "content-type": "application/json" }),
          "user-agent": "vast-kit",
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        headersTimeout: call.timeoutMs ?? this.#timeoutMs,
        bodyTimeout: call.timeoutMs ?? this.#timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? "unknown";
      throw new VastError(
        VastErrorCode.network,
        `${call.operation}: no answer from ${url.origin} (${code}); the request may or may not have been processed`,
        { ...where, cause },
      );
    }
    const json = parseJson(text);
    const accepted = call.acceptStatus?.includes(status) ?? false;
    if (status >= 400 && !accepted) throw httpError(call.operation, where, status, json, text);
    if (accepted && status >= 400) return undefined as z.infer<S>;
    const failure = ErrorBody.safeParse(json);
    if (failure.success && failure.data.success === false) {
      const message = vastMessage(failure.data, text);
      throw new VastError(VastErrorCode.rejected, `${call.operation}: Vast answered ${status} with success=false: ${message}`, {
        ...where,
        status,
        vastError: failure.data.error,
        vastMessage: message,
      });
    }
    const parsed = call.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw new VastError(VastErrorCode.badResponse, `${call.operation}: unexpected response from Vast (${status}): ${issues}`, {
        ...where,
        status,
      });
    }
    return parsed.data;
  }
}

function retryOptions(kind: RetryClass, limits: { maxRetries: number; maxRateLimitRetries: number; minDelay: number }) {
  return {
    throwOnError: false,
    statusCodes: retryableStatus,
    errorCodes: retryableNetworkCodes,
    methods: ["GET", "PUT", "POST", "DELETE"] as Dispatcher.HttpMethod[],
    retry(
      err: Error & { statusCode?: number; code?: string },
      { state }: { state: { counter: number } },
      done: (err?: Error | null) => void,
    ) {
      const status = err.statusCode;
      const retryable =
        status === 429 ||
        (kind === "idempotent" &&
          (status !== undefined ? retryableStatus.includes(status) : retryableNetworkCodes.includes(err.code ?? "")));
      if (!retryable || state.counter > (status === 429 ? limits.maxRateLimitRetries : limits.maxRetries)) return done(err);
      const backoff = Math.min(limits.minDelay * 2 ** (state.counter - 1), 20_000);
      return setTimeout(() => done(null), backoff * (0.5 + Math.random()));
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * First present of `msg`, `message`, `detail`, `error`, else the raw text, capped (§2.1). A gateway's
 * HTML error page is reduced to its title, so no markup ever reaches an error message.
 */
function vastMessage(body: ErrorBody | undefined, text: string): string {
  const message = body?.msg ?? body?.message ?? body?.detail ?? body?.error ?? plainText(text);
  return (message || "(no message)").slice(0, 300);
}

function plainText(text: string): string {
  if (!/^\s*</.test(text)) return text.trim();
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return `an HTML error page${title ? ` ("${title}")` : ""}`;
}

function httpError(
  operation: string,
  where: { operation: string; method: string; path: string },
  status: number,
  json: unknown,
  text: string,
): VastError {
  const body = ErrorBody.safeParse(json);
  const message = vastMessage(body.success ? body.data : undefined, text);
  const hint = status === 401 ? " (check vast:apiKey or VAST_API_KEY)" : "";
  return new VastError(VastErrorCode.http, `${operation}: Vast answered ${status}: ${message}${hint}`, {
    ...where,
    status,
    vastError: body.success ? body.data.error : undefined,
    vastMessage: message,
  });
}
