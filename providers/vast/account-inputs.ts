/**
 * Which account a team, role, member, key or subaccount resource acts on (vast-api-more.md §4.1):
 * the account of the API key it calls with. That is the stack's `vast:apiKey` unless the resource
 * names another key, typically a team's key, passed as a Pulumi secret from `VastTeam.accountKey`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { VastClient } from "./client.ts";
import type { ProviderSettings } from "./config.ts";
import { isAmbiguous } from "./errors.ts";
import { sessionFor } from "./session.ts";

/** The `accountKey` input: an API key, never shown in a message. */
export const AccountKey = z.string().min(1, "must be an API key (a team's key, e.g. VastTeam.accountKey)").optional();

/** The client acting on `accountKey`'s account, or on the stack key's when it is not given. */
export function clientFor(settings: ProviderSettings, accountKey: string | undefined): VastClient {
  return sessionFor(accountKey ? { ...settings, apiKey: accountKey } : settings).client;
}

/** The names of the inputs that differ between the recorded outputs and the new inputs. */
export function changedKeys<T extends object, K extends keyof T & string>(keys: readonly K[], olds: Partial<T>, news: Partial<T>): K[] {
  return keys.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
}

/** The diff of an object Vast cannot edit: a change to any of `keys` replaces it. */
export function replaceWhenChanged<T extends object, K extends keyof T & string>(
  keys: readonly K[],
  olds: Partial<T>,
  news: Partial<T>,
  deleteBeforeReplace: boolean,
): pulumi.dynamic.DiffResult {
  const replaces = changedKeys(keys, olds, news);
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace };
}

/**
 * Runs a create that Vast answers without an id, then finds what it made with `find` (by a name or
 * subnet unique in the account). When the answer is lost, `find` settles it: found means made; not
 * found means the create never took effect, so it is sent once more. Only for objects whose name is
 * unique, where a late duplicate would be refused rather than made twice.
 */
export async function createThenFind<T>(create: () => Promise<unknown>, find: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    await create();
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const found = await find();
    if (found !== undefined) return found;
    await create();
  }
  return find();
}
