/**
 * The serialized half of every Vast dynamic resource. Pulumi stores this object's source in state
 * and runs it in the dynamic-provider process (pulumi.md §2.2, §2.5). It captures only the kind
 * name: each method imports the runtime by package name and delegates, so no client, schema or
 * credential is ever serialized, and the API key comes from stack config via `configure`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Kind, KindImplementation } from "./runtime.ts";
import type { ProviderSettings } from "./config.ts";

/** A dynamic provider for `kind` that delegates to `vast-kit/providers/vast/runtime`. */
export function delegatingProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  const load = async (): Promise<KindImplementation> => (await import("vast-kit/providers/vast/runtime")).kinds[kind];
  let settings: ProviderSettings = {};
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      // Read by full key name; secret markers are already removed (pulumi.md §2.2).
      settings = { apiUrl: req.config.get("vast:apiUrl"), apiKey: req.config.get("vast:apiKey") };
    },
    check: async (olds: unknown, news: unknown) => (await load()).check(olds, news),
    diff: async (id: string, olds: unknown, news: unknown) => (await load()).diff(id, olds, news),
    create: async (inputs: unknown) => (await load()).create(settings, inputs),
    async update(id: string, olds: unknown, news: unknown) {
      const implementation = await load();
      if (!implementation.update) throw new Error(`Vast ${kind} resources are replaced, never updated in place`);
      return implementation.update(settings, id, olds, news);
    },
    read: async (id: string, props: unknown) => (await load()).read(settings, id, props),
    delete: async (id: string, props: unknown) => (await load()).remove(settings, id, props),
  };
}
