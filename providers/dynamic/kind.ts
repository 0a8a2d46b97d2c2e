/**
 * What one dynamic resource kind implements. The runtime's kind table (providers/runtime.ts) holds
 * one of these per kind; the serialized provider (delegating-provider.ts) calls it by these method
 * names and argument orders, which state written by earlier versions also uses, so they never change.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * The stack config a kind reads, as settings field → full config key (`{ apiKey: "vast:apiKey" }`).
 * `configure` hands the kind exactly these values and nothing else (pulumi.md §2.6).
 */
export type ConfigKeys<Settings> = Readonly<Partial<Record<keyof Settings, string>>>;

/**
 * The provider methods of one kind, over its checked inputs, its outputs and the settings its
 * `config` yields. `settings` come first except in `diff`, which gained them later as an optional
 * last argument (state written before that passes none).
 */
export interface KindImplementation<Inputs, Outputs, Settings> {
  readonly config: ConfigKeys<Settings>;
  check(olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<Inputs>>;
  diff(id: string, olds: Outputs, news: Inputs, settings?: Settings): Promise<pulumi.dynamic.DiffResult>;
  create(settings: Settings, inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  /** Left out by kinds whose every change replaces the resource. */
  update?(settings: Settings, id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  read(settings: Settings, id: string, props: Outputs): Promise<pulumi.dynamic.ReadResult<Outputs>>;
  remove(settings: Settings, id: string, props: Outputs): Promise<void>;
}

/**
 * A kind as the serialized provider sees it: the engine hands back what the kind's own `check` and
 * `create` returned, so the types are the kind's, unknown only at this boundary.
 */
export type AnyKind = KindImplementation<unknown, unknown, unknown>;
