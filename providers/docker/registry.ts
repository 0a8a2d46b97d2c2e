/**
 * What a registry holds under a tag, read through the distribution API (`GET
 * /v2/<name>/manifests/<tag>`, OCI distribution spec §"Pulling manifests"), so a refresh of a
 * `DockerImage` sees a tag deleted or pushed over outside Pulumi. Basic auth and the bearer-token
 * challenge (Docker Hub, ghcr.io) are both answered with the resource's own credentials.
 */
import { createHash } from "node:crypto";
import { request } from "undici";
import { z } from "zod";
import { DockerImageError, DockerImageErrorCode } from "./errors.ts";

export interface RegistryAuth {
  address: string;
  username: string;
  password: string;
}

/** Where `registry/repository:tag` lives in the distribution API. */
export interface ImageLocation {
  /** The registry host (and port), `docker.io` for Docker Hub. */
  registry: string;
  baseUrl: string;
  /** The repository name in API paths, e.g. `vast-kit/base` or `library/debian`. */
  name: string;
  tag: string;
}

const dockerHubNames = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** Every manifest kind a push can leave under a tag; without them a registry may convert or refuse. */
const manifestTypes = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

const TokenAnswer = z.object({ token: z.string().min(1).optional(), access_token: z.string().min(1).optional() });

/**
 * Locates `ref` (`registry/repository:tag`) the way docker does (distribution/reference): the first
 * path component is a registry when it has a dot or a port or is `localhost`, else Docker Hub.
 * Loopback registries are spoken to over plain HTTP, as the engine allows; any other over HTTPS.
 */
export function locateImage(ref: string): ImageLocation {
  const colon = ref.lastIndexOf(":");
  const repository = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const slash = repository.indexOf("/");
  const first = slash === -1 ? "" : repository.slice(0, slash);
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  const host = hasRegistry ? first : "docker.io";
  const path = hasRegistry ? repository.slice(slash + 1) : repository;
  if (dockerHubNames.has(host)) {
    return { registry: "docker.io", baseUrl: "https://registry-1.docker.io", name: path.includes("/") ? path : `library/${path}`, tag };
  }
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return { registry: host, baseUrl: `${loopback ? "http" : "https"}://${host}`, name: path, tag };
}

/** The registry a login address names: `https://index.docker.io/v1/` and `ghcr.io` alike. */
function registryOf(address: string): string {
  const host = address.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
  return dockerHubNames.has(host) ? "docker.io" : host;
}

/**
 * The digest (`sha256:…`) of the manifest `ref` names now, or undefined when the registry has no
 * such tag (or repository). Any other answer, or none, throws {@link DockerImageErrorCode.registry}.
 */
export async function tagDigest(ref: string, auth?: RegistryAuth): Promise<string | undefined> {
  const at = locateImage(ref);
  const path = `/v2/${at.name}/manifests/${at.tag}`;
  const basic =
    auth && registryOf(auth.address) === at.registry
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
      : undefined;
  let answer = await get(ref, `${at.baseUrl}${path}`, basic);
  const challenge = answer.status === 401 ? bearerChallenge(answer.headers["www-authenticate"]) : undefined;
  if (challenge) {
    const scope = challenge.scope ?? `repository:${at.name}:pull`;
    answer = await get(ref, `${at.baseUrl}${path}`, `Bearer ${await bearerToken(ref, challenge.realm, challenge.service, scope, basic)}`);
  }
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) {
    throw new DockerImageError(DockerImageErrorCode.registry, `image ${ref}: the registry answered ${answer.status} to GET ${path}`, {
      ref,
      status: answer.status,
    });
  }
  const header = answer.headers["docker-content-digest"];
  return typeof header === "string" && header.startsWith("sha256:")
    ? header
    : `sha256:${createHash("sha256").update(answer.body).digest("hex")}`;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

async function get(ref: string, url: string, authorization: string | undefined): Promise<Answer> {
  try {
    const headers: Record<string, string> = { accept: manifestTypes };
    if (authorization) headers.authorization = authorization;
    const answer = await request(url, { method: "GET", headers, headersTimeout: 30_000, bodyTimeout: 30_000 });
    return { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
  } catch (error) {
    // The URL carries no credentials (they travel in the header), so naming it is safe.
    throw new DockerImageError(DockerImageErrorCode.registry, `image ${ref}: GET ${url} failed: ${(error as Error).message}`, {
      ref,
      cause: error,
    });
  }
}

/** The `Bearer realm=…,service=…,scope=…` challenge of a token-auth registry (distribution token spec). */
function bearerChallenge(header: string | string[] | undefined): { realm: string; service?: string; scope?: string } | undefined {
  const value = Array.isArray(header) ? header.find((h) => /^bearer /i.test(h)) : header;
  if (!value || !/^bearer /i.test(value)) return undefined;
  const params = Object.fromEntries([...value.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) return undefined;
  return { realm: params.realm, ...(params.service ? { service: params.service } : {}), ...(params.scope ? { scope: params.scope } : {}) };
}

async function bearerToken(
  ref: string,
  realm: string,
  service: string | undefined,
  scope: string,
  basic: string | undefined,
): Promise<string> {
  const url = new URL(realm);
  if (service) url.searchParams.set("service", service);
  url.searchParams.set("scope", scope);
  const answer = await get(ref, url.toString(), basic);
  let token: string | undefined;
  try {
    const parsed = TokenAnswer.parse(JSON.parse(answer.body.toString("utf8")));
    token = parsed.token ?? parsed.access_token;
  } catch {
    // Not a token answer: reported below with the status.
  }
  if (answer.status !== 200 || !token) {
    throw new DockerImageError(
      DockerImageErrorCode.registry,
      `image ${ref}: the token service ${url.origin}${url.pathname} answered ${answer.status} without a token`,
      { ref, status: answer.status },
    );
  }
  return token;
}
