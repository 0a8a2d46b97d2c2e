/**
 * What a `RandomSecret` does: mint a random URL-safe string once, at create, and keep it. The
 * value only ever leaves as a Pulumi secret (the resource marks it so).
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs, type KindImplementation } from "../dynamic/index.ts";

export const SecretInputs = z.strictObject({
  /** Random bytes before base64url encoding. */
  bytes: z.number().int().min(16).max(128).default(24),
});
export type SecretInputs = z.infer<typeof SecretInputs>;
export type SecretOutputs = SecretInputs & { value: string };

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(SecretInputs, news);
}

export async function diff(_id: string, olds: SecretOutputs, news: SecretInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = olds.bytes !== news.bytes;
  return { changes: changed, replaces: changed ? ["bytes"] : [] };
}

export async function create(_settings: unknown, inputs: SecretInputs): Promise<pulumi.dynamic.CreateResult> {
  const value = randomBytes(inputs.bytes).toString("base64url");
  return { id: randomBytes(8).toString("hex"), outs: { ...inputs, value } };
}

/** The value lives only in state, so there is nothing outside it to read: state is returned as it is. */
export async function read(_settings: unknown, id: string, props: SecretOutputs): Promise<pulumi.dynamic.ReadResult> {
  return { id, props };
}

/** Nothing exists outside state: deleting the resource only drops its state entry, which the engine does. */
export async function remove(): Promise<void> {}

/** Minting needs no stack config; every change replaces the secret. */
export const secretKind: KindImplementation<SecretInputs, SecretOutputs, object> = { config: {}, check, diff, create, read, remove };
