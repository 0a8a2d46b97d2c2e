/**
 * The code behind every dynamic resource of the kit, keyed by resource kind. The serialized providers
 * (see dynamic-provider.ts) import this module by package name when a method runs, so nothing in
 * it is ever captured into Pulumi state, and a fix here reaches existing resources at once —
 * including their delete and refresh, which run the provider code stored in old state.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as dockerImage from "./docker/image-provider.ts";
import * as randomSecret from "./random/secret-provider.ts";
import type { ProviderSettings } from "./vast/config.ts";
import * as envVar from "./vast/env-var-provider.ts";
import * as instance from "./vast/instance-provider.ts";
import * as sshKey from "./vast/ssh-key-provider.ts";
import * as template from "./vast/template-provider.ts";

/** The provider methods of one resource kind; settings come from `configure`. */
export interface KindImplementation {
  check(olds: any, news: any): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: any, news: any, settings: ProviderSettings): Promise<pulumi.dynamic.DiffResult>;
  create(settings: ProviderSettings, inputs: any): Promise<pulumi.dynamic.CreateResult>;
  update?(settings: ProviderSettings, id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult>;
  read(settings: ProviderSettings, id: string, props: any): Promise<pulumi.dynamic.ReadResult>;
  remove(settings: ProviderSettings, id: string, props: any): Promise<void>;
}

export const kinds = { template, instance, sshKey, envVar, dockerImage, randomSecret } satisfies Record<string, KindImplementation>;
export type Kind = keyof typeof kinds;
