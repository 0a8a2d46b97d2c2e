/**
 * What a `VastEnvVar` does: an account-level environment variable that Vast injects into every new
 * container (vast-api.md §3.7). The value only ever travels as a Pulumi secret.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { sessionFor } from "./session.ts";

export const EnvVarInputs = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Za-z_]\w*$/, "must be a variable name (letters, digits, underscore)")
    .transform((k) => k.toUpperCase()),
  value: z
    .string()
    .min(1)
    .regex(/^[a-zA-Z0-9_\-.]+$/, "Vast accepts only letters, digits, '_', '-' and '.' in env var values"),
});
export type EnvVarInputs = z.infer<typeof EnvVarInputs>;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(EnvVarInputs, news);
}

export async function diff(_id: string, olds: EnvVarInputs, news: EnvVarInputs): Promise<pulumi.dynamic.DiffResult> {
  return {
    changes: olds.key !== news.key || olds.value !== news.value,
    replaces: olds.key !== news.key ? ["key"] : [],
    deleteBeforeReplace: true,
  };
}

export async function create(settings: ProviderSettings, inputs: EnvVarInputs): Promise<pulumi.dynamic.CreateResult> {
  await sessionFor(settings).client.putSecret(inputs.key, inputs.value);
  return { id: inputs.key, outs: inputs };
}

export async function update(
  settings: ProviderSettings,
  _id: string,
  _olds: EnvVarInputs,
  news: EnvVarInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  await sessionFor(settings).client.putSecret(news.key, news.value);
  return { outs: news };
}

export async function read(settings: ProviderSettings, id: string, props: EnvVarInputs): Promise<pulumi.dynamic.ReadResult> {
  const names = await sessionFor(settings).client.listSecretNames();
  return names.includes(id) ? { id, props } : { id: "" };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  await sessionFor(settings).client.deleteSecret(id);
}

export const envVarKind = vastKind<EnvVarInputs, EnvVarInputs>({ check, diff, create, update, read, remove });
