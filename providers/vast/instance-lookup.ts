/**
 * Looks instances up by label or by id for every resource of one `pulumi up` at once: requests
 * that arrive while a list call is being paced or is under way are answered together by the next
 * one (`label in [...]` or `id in [...]` on the v1 list, vast-api.md §3.3.2). Fifty creates that
 * each look for their tag before renting cost one or two list calls, not fifty.
 */
import type { VastClient } from "./client.ts";
import type { Instance } from "./schemas.ts";

/** Values per `in` filter: keeps the query string well under common URL limits. */
const batchSize = 50;

interface Pending<K> {
  key: K;
  resolve: (found: Instance[]) => void;
  reject: (error: unknown) => void;
}

/** One batching queue over one filter column. */
class Batcher<K extends string | number> {
  readonly #client: VastClient;
  readonly #column: "label" | "id";
  #queue: Pending<K>[] = [];
  #draining = false;

  constructor(client: VastClient, column: "label" | "id") {
    this.#client = client;
    this.#column = column;
  }

  find(key: K): Promise<Instance[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ key, resolve, reject });
      // Let the creates of the same engine step register before the first call goes out.
      if (!this.#draining) setTimeout(() => void this.#drain(), 20);
      this.#draining = true;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const keys = [...new Set(this.#queue.map((p) => p.key))].slice(0, batchSize);
      const batch = this.#queue.filter((p) => keys.includes(p.key));
      this.#queue = this.#queue.filter((p) => !keys.includes(p.key));
      try {
        const found = await this.#client.listInstances({ [this.#column]: { in: keys } });
        for (const p of batch) p.resolve(found.filter((i) => (this.#column === "label" ? i.label : i.id) === p.key));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.#draining = false;
  }
}

export class InstanceLookup {
  readonly #byLabel: Batcher<string>;
  readonly #byId: Batcher<number>;

  constructor(client: VastClient) {
    this.#byLabel = new Batcher(client, "label");
    this.#byId = new Batcher(client, "id");
  }

  /** Live instances whose label is exactly `label`. */
  withLabel(label: string): Promise<Instance[]> {
    return this.#byLabel.find(label);
  }

  /** The instance with this id, or undefined once it is gone. */
  async withId(id: number): Promise<Instance | undefined> {
    return (await this.#byId.find(id))[0];
  }
}
