/**
 * The emulator's only door to Docker (Docker mode): a small client of the Engine API v1.41
 * (Debian's docker.io 20.10) over a Unix socket. It knows images and containers, nothing
 * of instances. Every answer is parsed with zod here. A daemon refusal becomes a `DockerError`
 * whose message reads like the docker CLI's ("Error response from daemon: ..."), which is the text
 * Vast puts in `status_msg` when a pull or a create fails (vast-api.md §4.1, §4.2).
 */
import { Agent, request } from "undici";
import { z } from "zod";
import { EmulatorError } from "./errors.ts";

/** The host part is ignored on a Unix socket; the version pins the API Docker 20.10 speaks. */
const BASE = "http://docker/v1.41";

/** The daemon refused, or could not be reached. */
export class DockerError extends EmulatorError {
  /** HTTP status of the Engine API answer; 0 when the socket did not answer. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super("EMU_DOCKER", message, options);
    this.name = "DockerError";
    this.status = status;
  }
}

/** What `createContainer` makes: the Engine API's create body, reduced to what instances use. */
export interface ContainerConfig {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Overrides the image's ENTRYPOINT; undefined keeps it. */
  entrypoint?: string[];
  /** Overrides the image's CMD; undefined keeps it. */
  cmd?: string[];
  hostname?: string;
  /** `"8080/tcp"` → host port, published on 127.0.0.1 only (environment.md, Docker). */
  ports: Record<string, string>;
  /** Named Docker volumes to mount, created on first use with these labels. Defaults to none. */
  volumes?: Array<{ name: string; target: string; labels: Record<string, string> }>;
}

/** Credentials for a pull from a private registry. */
export interface RegistryAuth {
  username: string;
  password: string;
  /** The registry host, e.g. `127.0.0.1:5000` or `ghcr.io`. */
  serveraddress: string;
}

const NetworkInspected = z.looseObject({
  IPAM: z.looseObject({ Config: z.array(z.looseObject({ Gateway: z.string().optional() })).nullish() }),
});

/** A container as the list shows it. */
export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`. */
  state: string;
}

const ErrorBody = z.looseObject({ message: z.string() });
const PullLine = z.looseObject({ error: z.string().optional(), errorDetail: z.looseObject({ message: z.string() }).optional() });
const Created = z.looseObject({ Id: z.string() });
const Summaries = z.array(z.looseObject({ Id: z.string(), State: z.string(), Labels: z.record(z.string(), z.string()).nullable() }));
const VolumeSummaries = z.looseObject({ Volumes: z.array(z.looseObject({ Name: z.string() })).nullish() });
const ImageInspected = z.looseObject({ Config: z.looseObject({ ExposedPorts: z.record(z.string(), z.unknown()).nullish() }).nullish() });
const Inspected = z.looseObject({ State: z.looseObject({ Status: z.string(), ExitCode: z.number() }) });

/**
 * Splits an image reference into the pull's `fromImage` and `tag`. The tag may be a digest; an
 * empty tag would make the daemon pull every tag of the repository.
 */
export function splitReference(ref: string): { name: string; tag: string } {
  const at = ref.indexOf("@");
  if (at >= 0) {
    const name = ref.slice(0, at);
    const slash = name.lastIndexOf("/");
    const colon = name.lastIndexOf(":");
    return { name: colon > slash ? name.slice(0, colon) : name, tag: ref.slice(at + 1) };
  }
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref, tag: "latest" };
}

/** One Engine API connection pool. */
export class DockerRuntime {
  #socket: string;
  #agent: Agent;

  constructor(socket: string) {
    this.#socket = socket;
    this.#agent = new Agent({ connect: { socketPath: socket } });
  }

  async #call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string; bytes: Buffer }> {
    try {
      const res = await request(`${BASE}${path}`, {
        method,
        dispatcher: this.#agent,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, text: bytes.toString("utf8"), bytes };
    } catch (error) {
      throw new DockerError(`Cannot connect to the Docker daemon at unix://${this.#socket}: ${(error as Error).message}`, 0, {
        cause: error,
      });
    }
  }

  /** Calls the API; a status of 400 or above (other than `allowed`) throws the daemon's message. */
  async #expect(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    { allowed = [], headers = {} }: { allowed?: number[]; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string; bytes: Buffer }> {
    const answer = await this.#call(method, path, body, headers);
    if (answer.status >= 400 && !allowed.includes(answer.status)) {
      const parsed = ErrorBody.safeParse(safeJson(answer.text));
      throw new DockerError(`Error response from daemon: ${parsed.success ? parsed.data.message : answer.text.trim()}`, answer.status);
    }
    return answer;
  }

  /** Resolves when the daemon answers `/_ping`. */
  async ping(): Promise<void> {
    await this.#expect("GET", "/_ping");
  }

  /** Pulls `ref` from the registry it names, logged in with `auth` if given; resolves once every layer is in. */
  async pull(ref: string, auth?: RegistryAuth): Promise<void> {
    const { name, tag } = splitReference(ref);
    // X-Registry-Auth is URL-safe base64 with padding (the daemon decodes it with Go's URLEncoding).
    const headers: Record<string, string> = auth
      ? { "x-registry-auth": Buffer.from(JSON.stringify(auth)).toString("base64").replaceAll("+", "-").replaceAll("/", "_") }
      : {};
    const { text } = await this.#expect(
      "POST",
      `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`,
      undefined,
      { headers },
    );
    // Failures after the manifest (a layer that cannot be fetched) arrive in the progress stream.
    for (const line of text.split("\n")) {
      const parsed = PullLine.safeParse(safeJson(line));
      if (parsed.success && parsed.data.error !== undefined)
        throw new DockerError(parsed.data.errorDetail?.message ?? parsed.data.error, 200);
    }
  }

  /** The image's `EXPOSE` ports, as `"8080/tcp"` keys; the image must be pulled. */
  async exposedPorts(ref: string): Promise<string[]> {
    const { text } = await this.#expect("GET", `/images/${encodeURI(ref)}/json`);
    return Object.keys(ImageInspected.parse(safeJson(text)).Config?.ExposedPorts ?? {});
  }

  /** Creates (does not start) a container; returns its id. */
  async createContainer(config: ContainerConfig): Promise<string> {
    const bindings = Object.fromEntries(
      Object.entries(config.ports).map(([key, hostPort]) => [key, [{ HostIp: "127.0.0.1", HostPort: hostPort }]]),
    );
    const { text } = await this.#expect("POST", `/containers/create?name=${encodeURIComponent(config.name)}`, {
      Image: config.image,
      Env: Object.entries(config.env).map(([key, value]) => `${key}=${value}`),
      Labels: config.labels,
      ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}),
      ...(config.cmd ? { Cmd: config.cmd } : {}),
      ...(config.hostname ? { Hostname: config.hostname } : {}),
      ExposedPorts: Object.fromEntries(Object.keys(config.ports).map((key) => [key, {}])),
      HostConfig: {
        PortBindings: bindings,
        ...(config.volumes?.length
          ? {
              Mounts: config.volumes.map((v) => ({
                Type: "volume",
                Source: v.name,
                Target: v.target,
                VolumeOptions: { Labels: v.labels },
              })),
            }
          : {}),
      },
    });
    return Created.parse(safeJson(text)).Id;
  }

  /** Starts a container; starting a running one is not an error (304). */
  async start(id: string): Promise<void> {
    await this.#expect("POST", `/containers/${id}/start`);
  }

  /** SIGTERM, then SIGKILL after `timeoutS`, as `docker stop` does; a stopped one is not an error. */
  async stop(id: string, timeoutS: number): Promise<void> {
    await this.#expect("POST", `/containers/${id}/stop?t=${timeoutS}`);
  }

  async restart(id: string, timeoutS: number): Promise<void> {
    await this.#expect("POST", `/containers/${id}/restart?t=${timeoutS}`);
  }

  /**
   * `docker rm -f`; a container already gone is not an error, nor one whose removal is already in
   * progress (a forced remove answers 409 only then: a destroy's removal still running).
   */
  async remove(id: string): Promise<void> {
    await this.#expect("DELETE", `/containers/${id}?force=true&v=true`, undefined, { allowed: [404, 409] });
  }

  /** Names of the Docker volumes carrying all of `labels`. */
  async listVolumes(labels: string[]): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: labels }));
    const { text } = await this.#expect("GET", `/volumes?filters=${filters}`);
    return VolumeSummaries.parse(safeJson(text)).Volumes?.map((v) => v.Name) ?? [];
  }

  /** Removes a Docker volume; a missing one is not an error. */
  async removeVolume(name: string): Promise<void> {
    await this.#expect("DELETE", `/volumes/${encodeURIComponent(name)}?force=true`, undefined, { allowed: [404] });
  }

  /** Runs `cmd` inside a running container in the background (`docker exec -d`). */
  async execDetached(id: string, cmd: string[]): Promise<void> {
    const { text } = await this.#expect("POST", `/containers/${id}/exec`, { Cmd: cmd, AttachStdout: false, AttachStderr: false });
    await this.#expect("POST", `/exec/${Created.parse(safeJson(text)).Id}/start`, { Detach: true });
  }

  /** Every container, running or not, carrying all of `labels` (`key=value`). */
  async list(labels: string[]): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: labels }));
    const { text } = await this.#expect("GET", `/containers/json?all=1&filters=${filters}`);
    return Summaries.parse(safeJson(text)).map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State }));
  }

  /**
   * The last `tail` lines the container wrote to stdout and stderr, interleaved as written. Without
   * a TTY the daemon frames them: an 8-byte header (stream, 3 zero bytes, big-endian size) per chunk.
   */
  async logs(id: string, tail: number | "all"): Promise<string> {
    const { bytes } = await this.#expect("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=${tail}`);
    const chunks: Buffer[] = [];
    for (let at = 0; at + 8 <= bytes.length;) {
      const size = bytes.readUInt32BE(at + 4);
      chunks.push(bytes.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  /** The exit code of a container (0 while it runs). */
  async exitCode(id: string): Promise<number> {
    const { text } = await this.#expect("GET", `/containers/${id}/json`);
    return Inspected.parse(safeJson(text)).State.ExitCode;
  }

  /** The host's address on the default `bridge` network (where containers reach the host), if it has an IPv4 one. */
  async bridgeGateway(): Promise<string | undefined> {
    const { text } = await this.#expect("GET", "/networks/bridge");
    const configs = NetworkInspected.parse(safeJson(text)).IPAM.Config ?? [];
    return configs.map((c) => c.Gateway).find((gateway) => gateway !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(gateway));
  }

  /** Drops the connection pool; calls in flight fail with a `DockerError`. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
