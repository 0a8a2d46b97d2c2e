/**
 * One client, watcher, lookup and offer book per (API URL, key) in a provider process, so every
 * resource of the same `pulumi up` shares connections, pacing, poll rounds, lookups and offer
 * searches. Lives in the runtime module, which the serialized provider imports by package name at
 * call time: it is never serialized itself.
 */
import { VastClient } from "./client.ts";
import { resolveConfig, type ProviderSettings } from "./config.ts";
import { InstanceLookup } from "./instance-lookup.ts";
import { InstanceWatcher } from "./instance-watcher.ts";
import { OfferBook } from "./offer-book.ts";
import { StackSpend } from "./stack-budget.ts";

export interface VastSession {
  client: VastClient;
  watcher: InstanceWatcher;
  lookup: InstanceLookup;
  offers: OfferBook;
  /**
   * Instances a create adopted in this process. `pulumi up --replace` of an instance whose inputs
   * did not change creates (and adopts) the instance its predecessor holds, then deletes the
   * predecessor: that delete must leave the instance alone.
   */
  adopted: Set<number>;
  /** Volumes a create adopted by `adoptId` in this process: the same guard as `adopted`, for volume ids. */
  adoptedVolumes: Set<number>;
  /** Templates a create adopted by `adoptId` in this process: the same guard, for template ids. */
  adoptedTemplates: Set<number>;
  /** How long to keep looking for a create whose answer was lost (vast-api.md §5.4). */
  unknownOutcomeWindowMs: number;
  /** What each stack's instances cost, for stacks with a budget; by `project/stack`. */
  spends: Map<string, StackSpend>;
}

const sessions = new Map<string, VastSession>();

/** The shared session for these settings (stack config, else `VAST_API_KEY`). */
export function sessionFor(settings: ProviderSettings | undefined): VastSession {
  const config = resolveConfig(settings);
  const key = `${config.apiUrl}\0${config.apiKey}`;
  let session = sessions.get(key);
  if (!session) {
    const tuning = settings?.tuning ?? {};
    const client = new VastClient({ ...config, ...tuning.client });
    session = {
      client,
      watcher: new InstanceWatcher(client),
      lookup: new InstanceLookup(client),
      offers: new OfferBook(client),
      adopted: new Set(),
      adoptedVolumes: new Set(),
      adoptedTemplates: new Set(),
      unknownOutcomeWindowMs: tuning.unknownOutcomeWindowMs ?? 180_000,
      spends: new Map(),
    };
    sessions.set(key, session);
  }
  return session;
}
