/**
 * Pulumi mocks for component tests: records every registered resource and answers the
 * Cloudflare token invoke. Import this module first; components must be imported after it.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  /** Inputs with secret markers removed. */
  inputs: Record<string, any>;
  /** Dotted paths of the inputs that arrived as secrets. */
  secrets: string[];
}

/** The marker the SDK wraps secret values in (runtime/rpc.js `specialSigKey`/`specialSecretSig`). */
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

function unwrap(value: unknown, path: string, secrets: string[]): any {
  if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${path}.${i}`, secrets));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (Object.values(record).includes(secretSig) && "value" in record) {
      secrets.push(path.slice(1));
      return unwrap(record.value, path, secrets);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v, `${path}.${k}`, secrets)]));
  }
  return value;
}

export const registered: Registered[] = [];

await pulumi.runtime.setMocks(
  {
    newResource(args) {
      const secrets: string[] = [];
      const inputs = unwrap(args.inputs, "", secrets);
      registered.push({ type: args.type, name: args.name, inputs, secrets });
      const state: Record<string, unknown> = { ...inputs };
      if (args.type === "pulumi-nodejs:dynamic/vast:Template")
        Object.assign(state, { templateId: 4242, hashId: "0123456789abcdef0123456789abcdef" });
      if (args.type === "pulumi-nodejs:dynamic/vast:Instance")
        Object.assign(state, {
          instanceId: 7,
          status: "running",
          publicIp: "203.0.113.7",
          hostPorts: { "1111/tcp": 41111 },
          sshCommand: "ssh -p 40022 root@203.0.113.7",
          dphTotal: 0.1,
        });
      if (args.type === "pulumi-nodejs:dynamic/vast:Endpoint") Object.assign(state, { endpointId: 4201, apiKey: "endpoint-routing-key" });
      if (args.type === "pulumi-nodejs:dynamic/vast:WorkerGroup") Object.assign(state, { workerGroupId: 901 });
      if (args.type === "pulumi-nodejs:dynamic/random:Secret") Object.assign(state, { value: mockRandom(args.name, inputs.bytes ?? 24) });
      if (args.type === "pulumi-nodejs:dynamic/docker:Image")
        Object.assign(state, { imageRef: `${String(inputs.ref).replace(/:[^:]+$/, "")}@sha256:${"ab".repeat(32)}` });
      return { id: args.type.includes("cloudflare") ? `${args.name}-id` : `${args.name}_id`, state };
    },
    call(args) {
      if (args.token === "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken") {
        return { ...args.inputs, token: "eyJhIjoidHVubmVsLXRva2VuIn0=" };
      }
      throw new Error(`unexpected invoke ${args.token}`);
    },
  },
  "vast-kit",
  "unit",
  false,
);

/** What the mocked RandomSecret `name` holds: `bytes` bytes, base64url, like the real one. */
export function mockRandom(name: string, bytes: number): string {
  return Buffer.from(name.padEnd(bytes, "#").slice(0, bytes)).toString("base64url");
}

/** Resolves an Output's value (mocks resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as unknown as { isSecret: Promise<boolean> }).isSecret;
}

export function only(type: string): Registered[] {
  return registered.filter((r) => r.type === type);
}

/** Waits (at most 5 s) until `count` resources of `type` have registered: children register once their inputs resolve. */
export async function registeredOf(type: string, count: number): Promise<Registered[]> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
    if (only(type).length >= count) break;
  }
  return only(type);
}
