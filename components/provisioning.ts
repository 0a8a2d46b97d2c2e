/**
 * The `provisioning` input of the components: a manifest (contracts/provisioning-manifest.ts)
 * checked when the program runs, before any resource is registered, and carried to the instance in
 * the env as `PROVISIONING_MANIFEST` (encoded as {@link ManifestEnvEncoding} says, within Vast's
 * env limits), which the image's entrypoint runs at every boot.
 * @module
 */
import { gzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { ManifestEnvEncoding, ProvisioningManifestError, parseProvisioningManifest } from "../contracts/provisioning-manifest.ts";
import type { ProvisioningManifestInput } from "../contracts/provisioning-manifest.ts";

const NAME = "PROVISIONING_MANIFEST";

/** The env entries that carry `manifest` (as written: defaults are the instance's to fill in). */
export function encodeManifestEnv(manifest: ProvisioningManifestInput): Record<string, string> {
  const { ENCODED_PREFIX, PARTS_PREFIX, PART_VAR_PREFIX, MAX_ENTRY } = ManifestEnvEncoding;
  const data = gzipSync(Buffer.from(JSON.stringify(manifest)), { level: 9 }).toString("base64");
  if (`${NAME}=${ENCODED_PREFIX}${data}`.length <= MAX_ENTRY) return { [NAME]: `${ENCODED_PREFIX}${data}` };
  // Room for the largest part name this manifest can need (a 32 KiB env holds < 200 parts).
  const size = MAX_ENTRY - `${PART_VAR_PREFIX}999=`.length;
  const parts: Record<string, string> = {};
  let n = 0;
  for (let at = 0; at < data.length; at += size) parts[`${PART_VAR_PREFIX}${++n}`] = data.slice(at, at + size);
  return { [NAME]: `${PARTS_PREFIX}${n}`, ...parts };
}

/**
 * The env entries of `manifest`, or none without one.
 * @param owner names the component in the message (`GpuFleet train`)
 * @throws {pulumi.ResourceError} naming every bad field, before anything is created
 */
export function provisioningEnv(
  owner: string,
  manifest: ProvisioningManifestInput | undefined,
  resource?: pulumi.Resource,
): Record<string, string> {
  if (manifest === undefined) return {};
  try {
    parseProvisioningManifest(manifest, `${owner}: provisioning`);
  } catch (err) {
    if (err instanceof ProvisioningManifestError) throw new pulumi.ResourceError(err.message, resource);
    throw err;
  }
  return encodeManifestEnv(manifest);
}
