/**
 * One client and one watcher per (API URL, key) in a provider process, so every resource waiting
 * in the same `pulumi up` shares connections and poll rounds. Lives in the runtime module, which
 * the serialized provider imports by package name at call time: it is never serialized itself.
 */
import { VastClient } from "./client.ts";
import { resolveConfig, type ProviderSettings } from "./config.ts";
import { InstanceWatcher } from "./instance-watcher.ts";

export interface VastSession {
  client: VastClient;
  watcher: InstanceWatcher;
  /**
   * Offers being rented by creates running in this process. Instances created in the same
   * `pulumi up` search at the same moment and see the same cheapest offers; claiming keeps them
   * from all racing for the first one.
   */
  claimedOffers: Set<number>;
  /** Creates currently searching for an offer; sizes search pages so each finds a free one. */
  offerSearchers: number;
}

const sessions = new Map<string, VastSession>();

/** The shared session for these settings (stack config, else `VAST_API_KEY`). */
export function sessionFor(settings: ProviderSettings | undefined): VastSession {
  const config = resolveConfig(settings);
  const key = `${config.apiUrl}\0${config.apiKey}`;
  let session = sessions.get(key);
  if (!session) {
    const client = new VastClient(config);
    session = { client, watcher: new InstanceWatcher(client), claimedOffers: new Set(), offerSearchers: 0 };
    sessions.set(key, session);
  }
  return session;
}
