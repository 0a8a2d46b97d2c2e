import assert from "node:assert/strict";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../../../providers/dynamic/index.ts";
import type { Kind } from "../../../providers/runtime.ts";

const stackConfig: Record<string, string> = { "vast:apiUrl": "http://127.0.0.1:1", "vast:apiKey": "k-123", "cloudflare:apiToken": "t-456" };

/** Runs `configure` as the provider host does and returns the settings the kind will be handed. */
async function configuredSettings(kind: Kind): Promise<unknown> {
  const provider = delegatingProvider(kind) as pulumi.dynamic.ResourceProvider & { settings?: unknown };
  const config = { get: (key: string) => stackConfig[key], require: (key: string) => stackConfig[key]! };
  await provider.configure!({ config } as unknown as pulumi.dynamic.ConfigureRequest);
  return provider.settings;
}

test("configure hands each Vast kind the Vast API URL and key, and nothing else of the stack config", async () => {
  for (const kind of ["template", "instance", "sshKey", "envVar"] as const) {
    assert.deepEqual(await configuredSettings(kind), { apiUrl: "http://127.0.0.1:1", apiKey: "k-123" }, kind);
  }
});

test("configure hands the Docker and random kinds no stack config: they never see the Vast key", async () => {
  assert.deepEqual(await configuredSettings("dockerImage"), {});
  assert.deepEqual(await configuredSettings("randomSecret"), {});
});
