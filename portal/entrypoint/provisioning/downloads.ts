/**
 * The `downloads` phase: Hugging Face files and repositories through `HF_ENDPOINT` with the HF
 * token, other URLs (CivitAI with its token) through a second pool; each pool bounded by
 * `settings.concurrency`, each download retried with backoff and written to a `.part` file that is
 * renamed into place only when complete, so a half download never looks done.
 * @module
 */
import fs from "node:fs/promises";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";
import type { ProvisioningManifest } from "../../../contracts/provisioning-manifest.ts";
import { firstFailure, inPool, withRetry } from "./retry.ts";
import type { RetryPolicy } from "./retry.ts";
import { hostPath } from "./runtime.ts";
import type { ProvisionRuntime } from "./runtime.ts";

/** One download, as in the manifest (container paths). */
export interface DownloadEntry {
  readonly url: string;
  readonly dest: string;
}

const HF_HOST = "huggingface.co";

/** The URL without its query, for log lines (a query may carry a token). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(bad URL)";
  }
}

/** The retry policy of `settings.retry`. */
export function retryPolicy(manifest: ProvisioningManifest): RetryPolicy {
  const r = manifest.settings.retry;
  return { attempts: r.max_attempts, initialDelayMs: r.initial_delay * 1000, multiplier: r.backoff_multiplier };
}

/** Whether `url` is a Hugging Face URL (manifests name huggingface.co; `HF_ENDPOINT` says where it is fetched from). */
function isHuggingFace(url: URL): boolean {
  return url.hostname === HF_HOST;
}

/** `url` moved onto `HF_ENDPOINT` (huggingface_hub's convention for mirrors and stand-ins). */
function onEndpoint(rt: ProvisionRuntime, url: URL): string {
  return `${rt.settings.hfEndpoint}${url.pathname}${url.search}`;
}

function bearer(rt: ProvisionRuntime, tokenEnv: string): Record<string, string> {
  const token = rt.env[tokenEnv];
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The file name a `dest/` directory gets: Content-Disposition's, else the URL's last segment. */
function fileNameFor(url: string, disposition: string | null): string {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? "");
  const fromHeader = m?.[1] !== undefined ? path.basename(decodeURIComponent(m[1])) : "";
  return fromHeader || path.basename(new URL(url).pathname) || "download";
}

/** GET `url` into the host path `dest` (a directory when it ends in `/`), through a `.part` file. */
async function fetchToFile(rt: ProvisionRuntime, url: string, dest: string, headers: Record<string, string>): Promise<string> {
  const u = new URL(url);
  if (u.protocol === "file:") {
    const target = dest.endsWith("/") ? path.join(dest, path.basename(u.pathname)) : dest;
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(fileURLToPath(u), `${target}.part`);
    await fs.rename(`${target}.part`, target);
    return target;
  }
  // No overall time limit (a model can take an hour): undici's header and body-idle timeouts catch a
  // stalled server, and PROVISIONING_TIMEOUT_SECONDS bounds the whole run.
  const response = await fetch(url, {
    headers: { "User-Agent": "vast-kit-provisioner/1", ...headers },
    redirect: "follow",
    signal: rt.signal,
  });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`GET ${shownUrl(url)} answered ${response.status}`);
  }
  const target = dest.endsWith("/") ? path.join(dest, fileNameFor(url, response.headers.get("content-disposition"))) : dest;
  await fs.mkdir(path.dirname(target), { recursive: true });
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(`${target}.part`));
  await fs.rename(`${target}.part`, target);
  return target;
}

/** The files of a Hugging Face repo at `revision` (`/api/models/<repo>/revision/<rev>`; datasets and spaces alike). */
async function listRepo(
  rt: ProvisionRuntime,
  kind: string,
  repo: string,
  revision: string,
  headers: Record<string, string>,
): Promise<string[]> {
  const url = `${rt.settings.hfEndpoint}/api/${kind}/${repo}/revision/${encodeURIComponent(revision)}`;
  const response = await fetch(url, { headers, signal: AbortSignal.any([rt.signal, AbortSignal.timeout(60_000)]) });
  if (!response.ok) throw new Error(`GET ${shownUrl(url)} answered ${response.status}`);
  const body = (await response.json()) as { siblings?: { rfilename?: unknown }[] };
  return (body.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === "string");
}

/** Download one Hugging Face URL: a `…/resolve/<rev>/<file>` file, or a whole repo (`/<owner>/<name>`, `/datasets/<owner>/<name>`). */
async function huggingFace(rt: ProvisionRuntime, manifest: ProvisioningManifest, entry: DownloadEntry): Promise<void> {
  const headers = bearer(rt, manifest.auth.huggingface.token_env);
  const url = new URL(entry.url);
  const segments = url.pathname.split("/").filter(Boolean);
  const kind = segments[0] === "datasets" || segments[0] === "spaces" ? segments[0] : "models";
  const repoSegments = kind === "models" ? segments.slice(0, 2) : segments.slice(1, 3);
  if (segments.includes("resolve")) {
    await fetchToFile(rt, onEndpoint(rt, url), hostPath(rt, entry.dest), headers);
    return;
  }
  const repo = repoSegments.join("/");
  const prefix = kind === "models" ? "" : `${kind}/`;
  const revision = url.searchParams.get("revision") ?? "main";
  const files = await listRepo(rt, kind, repo, revision, headers);
  if (files.length === 0) throw new Error(`Hugging Face repo ${repo} at ${revision} lists no files`);
  const dir = hostPath(rt, entry.dest.endsWith("/") ? entry.dest : `${entry.dest}/`);
  for (const file of files) {
    await fetchToFile(
      rt,
      `${rt.settings.hfEndpoint}/${prefix}${repo}/resolve/${encodeURIComponent(revision)}/${file}`,
      path.join(dir, file),
      headers,
    );
  }
}

/** Run every download, Hugging Face and others in their own pools; throws listing every failure. */
export async function runDownloads(
  rt: ProvisionRuntime,
  manifest: ProvisioningManifest,
  downloads: readonly DownloadEntry[],
): Promise<void> {
  const policy = retryPolicy(manifest);
  const hf: DownloadEntry[] = [];
  const plain: DownloadEntry[] = [];
  for (const d of downloads) (isHuggingFace(new URL(d.url)) ? hf : plain).push(d);
  const one = (fn: (d: DownloadEntry) => Promise<unknown>) => async (d: DownloadEntry) => {
    await withRetry(rt, `download ${shownUrl(d.url)}`, policy, () => fn(d));
    rt.log.info(`downloaded ${shownUrl(d.url)} → ${d.dest}`);
  };
  const civitai = (d: DownloadEntry) =>
    fetchToFile(
      rt,
      d.url,
      hostPath(rt, d.dest),
      new URL(d.url).hostname.endsWith("civitai.com") ? bearer(rt, manifest.auth.civitai.token_env) : {},
    );
  const [hfResults, plainResults] = await Promise.all([
    inPool(
      manifest.settings.concurrency.hf_downloads,
      hf,
      one((d) => huggingFace(rt, manifest, d)),
    ),
    inPool(manifest.settings.concurrency.wget_downloads, plain, one(civitai)),
  ]);
  const failure = firstFailure([...hfResults, ...plainResults], "downloads");
  if (failure !== undefined) throw failure;
}

/** Whether the Hugging Face token is set and accepted (`/api/whoami-v2`); for `conditional_downloads: hf_token_valid`. */
export async function hfTokenValid(rt: ProvisionRuntime, manifest: ProvisioningManifest): Promise<boolean> {
  const headers = bearer(rt, manifest.auth.huggingface.token_env);
  if (headers.Authorization === undefined) return false;
  try {
    const response = await fetch(`${rt.settings.hfEndpoint}/api/whoami-v2`, {
      headers,
      signal: AbortSignal.any([rt.signal, AbortSignal.timeout(15_000)]),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
