/**
 * Offer searches shared by every create of one `pulumi up`. The offer search is limited to 10
 * calls a minute (vast-api.md §3.1), so creates with the same criteria share one search of up to
 * 64 offers (Vast's page cap) and each claims the best offer no other create is renting. A search
 * is repeated only when its list is used up or older than a minute: rented offers leave the
 * search, so a new page shows what is still free.
 */
import type { VastClient } from "./client.ts";

const pageSize = 64;
const freshForMs = 60_000;

interface Page {
  offers: number[];
  full: boolean;
  fetchedAt: number;
}

export class OfferBook {
  readonly #client: VastClient;
  readonly #pages = new Map<string, Page>();
  readonly #searches = new Map<string, Promise<Page>>();
  /** Offers being rented or rented by this process, and offers found gone: never handed out again. */
  readonly #claimed = new Set<number>();
  /** `dph_total` of every offer a search returned, at the disk size searched for. */
  readonly #prices = new Map<number, number>();

  constructor(client: VastClient) {
    this.#client = client;
  }

  /**
   * Claims the best offer for `query` (a `/bundles/` body without `limit`) that `skip` does not
   * name and no create here holds; undefined when none is left. The pick and the claim happen
   * without an await in between, so concurrent creates never race for one offer.
   */
  async claim(query: Record<string, unknown>, skip: ReadonlySet<number>): Promise<number | undefined> {
    // Creates that differ only in how many offers they try search alike.
    const { limit: _tries, ...criteria } = query;
    const key = JSON.stringify(criteria);
    const free = (page: Page | undefined) => page?.offers.find((id) => !skip.has(id) && !this.#claimed.has(id));
    let page = this.#pages.get(key);
    // A few searches at most: while other creates are committing, a new page may still show
    // offers they hold, and the next one will not.
    for (let searches = 0; ; searches++) {
      const offer = free(page);
      if (offer !== undefined) {
        this.#claimed.add(offer);
        return offer;
      }
      const fresh = page !== undefined && Date.now() - page.fetchedAt <= freshForMs;
      if (searches >= 3 || (fresh && !page!.full && !this.#searches.has(key))) return undefined;
      page = await this.#search(key, query);
    }
  }

  /** What a claimed offer costs in $/hour, as its search priced it; undefined for an offer no search returned. */
  priceOf(offerId: number): number | undefined {
    return this.#prices.get(offerId);
  }

  /** One search per key at a time; creates that need it meanwhile wait for the same answer. */
  #search(key: string, query: Record<string, unknown>): Promise<Page> {
    let search = this.#searches.get(key);
    if (!search) {
      search = this.#client
        .searchOffers({ ...query, limit: pageSize })
        .then((offers) => {
          for (const offer of offers) if (offer.dph_total !== undefined) this.#prices.set(offer.id, offer.dph_total);
          const page = { offers: offers.map((o) => o.id), full: offers.length >= pageSize, fetchedAt: Date.now() };
          this.#pages.set(key, page);
          return page;
        })
        .finally(() => this.#searches.delete(key));
      this.#searches.set(key, search);
    }
    return search;
  }
}
