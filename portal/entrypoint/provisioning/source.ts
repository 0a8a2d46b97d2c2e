/**
 * Where the manifest comes from and what it becomes on the instance (instance-runtime.md §1.3):
 * `PROVISIONING_MANIFEST` as inline YAML (or JSON, which is YAML), an http(s) URL (downloaded
 * atomically to /provisioning.yaml) or an absolute container path; else /provisioning.yaml when it
 * exists. The text is validated with the shared schema, expanded (`${VAR}`), merged with the
 * injected `PROVISIONING_*` lists, `env_merge` lists and conditional downloads, validated again,
 * and the `PROVISIONER_*` overrides applied.
 * @module
 */
import fs from "node:fs/promises";
import YAML from "yaml";
import { PortalError, writeFileAtomic } from "../../index.ts";
import { gunzipSync } from "node:zlib";
import { ManifestEnvEncoding, parseProvisioningManifest } from "../../../contracts/provisioning-manifest.ts";
import type { ProvisioningManifest } from "../../../contracts/provisioning-manifest.ts";
import { EntrypointErrorCode } from "../errors.ts";
import type { ProvisionerSettings } from "./config.ts";
import { hfTokenValid, shownUrl } from "./downloads.ts";
import type { DownloadEntry } from "./downloads.ts";
import { expandAll } from "./expand.ts";
import type { ProvisionPlan } from "./phases.ts";
import { withRetry } from "./retry.ts";
import { hostPath } from "./runtime.ts";
import type { ProvisionRuntime } from "./runtime.ts";

/** Container path a downloaded manifest is kept at, and the manifest read when none is configured. */
export const MANIFEST_PATH = "/provisioning.yaml";

/** Where a manifest is. */
export type ManifestSource =
  | { readonly kind: "inline"; readonly text: string; readonly label: string }
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "path"; readonly path: string };

/** A human name of `source` for logs and status (a URL without its query). */
export function describeSource(source: ManifestSource): string {
  if (source.kind === "inline") return source.label;
  return source.kind === "url" ? shownUrl(source.url) : source.path;
}

/**
 * The manifest text of an encoded `PROVISIONING_MANIFEST` ({@link ManifestEnvEncoding}: what the
 * components write), reading its parts from `env`.
 * @throws {PortalError} `ENTRYPOINT_PROVISIONING_MANIFEST_INVALID` when a part is missing or the data does not decode
 */
export function decodeManifestEnv(value: string, env: Readonly<Record<string, string | undefined>>): string {
  const { ENCODED_PREFIX, PARTS_PREFIX, PART_VAR_PREFIX } = ManifestEnvEncoding;
  let data = value.slice(ENCODED_PREFIX.length);
  if (value.startsWith(PARTS_PREFIX)) {
    const count = Number(value.slice(PARTS_PREFIX.length));
    const parts: string[] = [];
    for (let i = 1; i <= count; i++) {
      const part = env[`${PART_VAR_PREFIX}${i}`];
      if (part === undefined)
        throw new PortalError(
          EntrypointErrorCode.provisioningManifestInvalid,
          `PROVISIONING_MANIFEST has ${count} parts but ${PART_VAR_PREFIX}${i} is not set`,
        );
      parts.push(part.trim());
    }
    data = parts.join("");
  }
  try {
    return gunzipSync(Buffer.from(data, "base64")).toString("utf8");
  } catch (err) {
    throw new PortalError(
      EntrypointErrorCode.provisioningManifestInvalid,
      `PROVISIONING_MANIFEST does not decode: ${(err as Error).message}`,
    );
  }
}

/**
 * The manifest source of an environment: `PROVISIONING_MANIFEST` (encoded by the components, inline
 * YAML or JSON, a URL or a path), else /provisioning.yaml when it exists, else none.
 */
export async function manifestSource(
  settings: ProvisionerSettings,
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ManifestSource | undefined> {
  const value = settings.manifest;
  if (value?.startsWith(ManifestEnvEncoding.ENCODED_PREFIX) === true || value?.startsWith(ManifestEnvEncoding.PARTS_PREFIX) === true) {
    return { kind: "inline", text: decodeManifestEnv(value, env), label: "PROVISIONING_MANIFEST" };
  }
  if (value !== undefined) {
    const oneLine = !value.includes("\n");
    if (oneLine && /^https?:\/\//.test(value)) return { kind: "url", url: value };
    if (oneLine && value.startsWith("/")) return { kind: "path", path: value };
    return { kind: "inline", text: value, label: "PROVISIONING_MANIFEST (inline)" };
  }
  const fallback = hostPath({ root }, MANIFEST_PATH);
  return (await fs.stat(fallback).then(
    (s) => s.isFile(),
    () => false,
  ))
    ? { kind: "path", path: MANIFEST_PATH }
    : undefined;
}

/** Parse manifest text (YAML or JSON) and validate it; errors name the source and every bad field. */
export function parseManifestText(text: string, where: string): ProvisioningManifest {
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (err) {
    throw new PortalError(EntrypointErrorCode.provisioningManifestInvalid, `${where} is not valid YAML: ${(err as Error).message}`);
  }
  try {
    return parseProvisioningManifest(value, where);
  } catch (err) {
    throw new PortalError(EntrypointErrorCode.provisioningManifestInvalid, (err as Error).message, {
      cause: err,
      details: { problems: (err as { problems?: unknown }).problems },
    });
  }
}

/** Read the manifest text of `source`; a URL is fetched (with retries) and kept at /provisioning.yaml. */
export async function readManifestText(rt: ProvisionRuntime, source: ManifestSource): Promise<string> {
  if (source.kind === "inline") return source.text;
  if (source.kind === "path") return fs.readFile(hostPath(rt, source.path), "utf8");
  const policy = { attempts: 5, initialDelayMs: 2_000, multiplier: 2 };
  const text = await withRetry(rt, `manifest ${shownUrl(source.url)}`, policy, async () => {
    const response = await fetch(source.url, {
      headers: { "User-Agent": "vast-kit-provisioner/1" },
      signal: AbortSignal.any([rt.signal, AbortSignal.timeout(30_000)]),
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${shownUrl(source.url)} answered ${response.status}`);
    return body;
  });
  await writeFileAtomic(hostPath(rt, MANIFEST_PATH), text, 0o644);
  return text;
}

/** `url|dest;url|dest` (env_merge, PROVISIONING_DOWNLOADS) as downloads; malformed entries are logged and left out. */
export function parseDownloadList(rt: ProvisionRuntime, text: string, where: string): DownloadEntry[] {
  const out: DownloadEntry[] = [];
  for (const entry of text
    .split(";")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [url, dest] = entry.split("|").map((p) => p.trim());
    if (url && dest) out.push({ url, dest });
    else rt.log.warn(`${where}: entry ${JSON.stringify(shownUrl(url ?? ""))} is not "url|dest"; left out`);
  }
  return out;
}

/** The raw manifest object with the injected `PROVISIONING_*` lists and the `PROVISIONER_*` overrides merged in. */
function merged(manifest: ProvisioningManifest, settings: ProvisionerSettings): Record<string, unknown> {
  const { injected } = settings;
  const words = (text: string | undefined) => (text ?? "").split(/\s+/).filter(Boolean);
  const gitRepos = (injected.gitRepos ?? "")
    .split(";")
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const [url = "", dest = "", ref] = entry.split("|").map((p) => p.trim());
      return { url, dest, ...(ref ? { ref } : {}) };
    });
  return {
    ...manifest,
    settings: { ...manifest.settings, ...(settings.logFile !== undefined ? { log_file: settings.logFile } : {}) },
    apt_packages: [...manifest.apt_packages, ...words(injected.apt)],
    pip_packages: [...manifest.pip_packages, ...(injected.pip !== undefined ? [{ packages: words(injected.pip) }] : [])],
    conda_packages: { ...manifest.conda_packages, packages: [...manifest.conda_packages.packages, ...words(injected.conda)] },
    git_repos: [...manifest.git_repos, ...gitRepos],
    post_commands: [
      ...manifest.post_commands,
      ...(injected.postCommands ?? "")
        .split(";")
        .map((c) => c.trim())
        .filter(Boolean),
    ],
    on_failure: {
      ...manifest.on_failure,
      ...(settings.retryMax !== undefined ? { max_retries: settings.retryMax } : {}),
      ...(settings.retryDelaySeconds !== undefined ? { retry_delay: settings.retryDelaySeconds } : {}),
      ...(settings.failureAction !== undefined ? { action: settings.failureAction } : {}),
      ...(settings.webhookUrl !== undefined ? { webhook: settings.webhookUrl } : {}),
      ...(settings.webhookOnSuccess !== undefined ? { webhook_on_success: settings.webhookOnSuccess } : {}),
    },
  };
}

/**
 * Turn a validated manifest into what the phases run: expanded against the run's environment,
 * merged with the injected lists, validated again (an expansion can empty a path), and with the
 * downloads of `env_merge` and `conditional_downloads` resolved.
 * @throws {PortalError} `ENTRYPOINT_PROVISIONING_MANIFEST_INVALID` naming the field
 */
export async function planProvisioning(rt: ProvisionRuntime, manifest: ProvisioningManifest, where: string): Promise<ProvisionPlan> {
  const raw = merged(expandAll(manifest, rt.env), rt.settings);
  const extra: DownloadEntry[] = [];
  for (const name of Object.keys(manifest.env_merge)) {
    const value = rt.env[name];
    if (value !== undefined && value.trim() !== "") extra.push(...parseDownloadList(rt, value, `env_merge ${name}`));
  }
  if (rt.settings.injected.downloads !== undefined)
    extra.push(...parseDownloadList(rt, rt.settings.injected.downloads, "PROVISIONING_DOWNLOADS"));
  let expanded: ProvisioningManifest;
  try {
    expanded = parseProvisioningManifest(
      { ...raw, downloads: [...(raw.downloads as DownloadEntry[]), ...extra] },
      `${where} (after \${VAR} expansion and merges)`,
    );
  } catch (err) {
    throw new PortalError(EntrypointErrorCode.provisioningManifestInvalid, (err as Error).message, { cause: err });
  }
  const downloads: DownloadEntry[] = [...expanded.downloads];
  for (const conditional of expanded.conditional_downloads) {
    const valid = await hfTokenValid(rt, expanded);
    rt.log.info(`conditional downloads: ${conditional.when} is ${valid}`);
    downloads.push(...(valid ? conditional.downloads : conditional.else_downloads));
  }
  return { manifest: expanded, downloads, workspace: expanded.settings.workspace ?? rt.settings.workspace };
}
