/** What a `VastSshKey` does: an account-level public key (vast-api.md §3.6). */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { sessionFor } from "./session.ts";

export const SshKeyInputs = z.strictObject({
  publicKey: z
    .string()
    .trim()
    .regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, 'must be an OpenSSH public key line such as "ssh-ed25519 AAAA… comment" (never a private key)'),
});
export type SshKeyInputs = z.infer<typeof SshKeyInputs>;
export type SshKeyOutputs = SshKeyInputs & { keyId: number };

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(SshKeyInputs, news);
}

export async function diff(_id: string, olds: SshKeyInputs, news: SshKeyInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = olds.publicKey !== news.publicKey;
  return { changes: changed, replaces: changed ? ["publicKey"] : [] };
}

export async function create(settings: ProviderSettings, inputs: SshKeyInputs): Promise<pulumi.dynamic.CreateResult> {
  const key = await sessionFor(settings).client.createSshKey(inputs.publicKey);
  return { id: String(key.id), outs: { ...inputs, keyId: key.id } };
}

export async function read(settings: ProviderSettings, id: string, props: SshKeyInputs): Promise<pulumi.dynamic.ReadResult> {
  const keys = await sessionFor(settings).client.listSshKeys();
  return keys.some((k) => k.id === Number(id)) ? { id, props } : { id: "" };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  await sessionFor(settings).client.deleteSshKey(Number(id));
}

/** Every change replaces the key: Vast keys are created and deleted, never edited. */
export const sshKeyKind = vastKind<SshKeyInputs, SshKeyOutputs>({ check, diff, create, read, remove });
