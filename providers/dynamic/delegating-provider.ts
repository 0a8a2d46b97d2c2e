/**
 * The serialized half of every dynamic resource of the kit. Pulumi stores this object's source in state
 * and runs it in the dynamic-provider process (pulumi.md §2.2, §2.5). It captures only the kind
 * name: each method imports the runtime by package name and delegates, so no client, schema or
 * credential is ever serialized, and credentials come from stack config via `configure`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Kind } from "../runtime.ts";
import type { AnyKind } from "./kind.ts";

/** The provider object as deserialized in the provider process; `configure` fills in `settings`. */
interface DelegatingProvider extends pulumi.dynamic.ResourceProvider {
  settings?: Record<string, string | undefined>;
}

/** A dynamic provider for `kind` that delegates to `vast-kit/providers/runtime`. */
export function delegatingProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  // Captured closure variables are copied per function by the serializer, so state set by
  // `configure` lives on the provider object itself and methods read it through `this`.
  const load = async (): Promise<AnyKind> => (await import("vast-kit/providers/runtime")).kinds[kind];
  const provider: DelegatingProvider = {
    async configure(this: DelegatingProvider, req: pulumi.dynamic.ConfigureRequest) {
      // Only the keys the kind declares, read by full key name; secret markers are already removed (pulumi.md §2.2).
      const keys: Record<string, string | undefined> = (await load()).config;
      this.settings = Object.fromEntries(
        Object.entries(keys).map(([field, key]) => [field, key === undefined ? undefined : req.config.get(key)]),
      );
    },
    async check(olds: unknown, news: Record<string, unknown>) {
      return (await load()).check(olds, news);
    },
    async diff(this: DelegatingProvider, id: string, olds: unknown, news: unknown) {
      return (await load()).diff(id, olds, news, this.settings ?? {});
    },
    async create(this: DelegatingProvider, inputs: unknown) {
      return (await load()).create(this.settings ?? {}, inputs);
    },
    async update(this: DelegatingProvider, id: string, olds: unknown, news: unknown) {
      const implementation = await load();
      if (!implementation.update) throw new Error(`${kind} resources are replaced, never updated in place`);
      return implementation.update(this.settings ?? {}, id, olds, news);
    },
    async read(this: DelegatingProvider, id: string, props: unknown) {
      return (await load()).read(this.settings ?? {}, id, props);
    },
    async delete(this: DelegatingProvider, id: string, props: unknown) {
      return (await load()).remove(this.settings ?? {}, id, props);
    },
  };
  return provider;
}
