/**
 * The docker-flag side of instance creation: parsing the `-e K=V -p 8080:8080` string the way the
 * CLI does (vast-api.md §3.2.1), normalising `runtype` tokens (§3.2.2) and turning `-p` requests
 * into Docker-style port bindings (§6.1, §6.2).
 */
import { randomInt } from "node:crypto";
import { apiError } from "./errors.ts";

/** Env as the create call carries it: variables, plus `-p ...`/`-h`/`-v ...`/`-n ...` keys. */
export type EnvObject = Record<string, string>;

const PORT_TOKEN = /^[0-9:/tcpud]+$/;
const VOLUME_TOKEN = /^[A-Za-z0-9:./_]+$/;
const NAME_TOKEN = /^[a-z0-9-]+$/;

/** Splits on spaces outside single or double quotes; quotes stay inside the tokens. */
function splitOutsideQuotes(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = null;
      current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === " ") {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function stripQuotes(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) return value.slice(1, -1);
  return value;
}

/**
 * Parses a docker-flag env string with the CLI's rules (§3.2.1): `-e K=V`, `-p` (digits, `:`, `/`,
 * tcp/udp only), `-h host`, `-v spec`, `-n name`; invalid and stray tokens are dropped silently.
 */
export function parseEnvString(text: string): EnvObject {
  const tokens = splitOutsideQuotes(text);
  const env: EnvObject = {};
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i];
    const value = tokens[i + 1];
    if (value === undefined || !["-e", "-p", "-h", "-v", "-n"].includes(flag ?? "")) continue;
    i++;
    if (flag === "-e") {
      const eq = value.indexOf("=");
      if (eq > 0) env[value.slice(0, eq)] = stripQuotes(value.slice(eq + 1));
    } else if (flag === "-p") {
      if (PORT_TOKEN.test(value)) env[`-p ${value}`] = "1";
    } else if (flag === "-h") {
      env["-h"] = value;
    } else if (flag === "-v") {
      if (VOLUME_TOKEN.test(value)) env[`-v ${value}`] = "1";
    } else if (NAME_TOKEN.test(value)) {
      env[`-n ${value}`] = "1";
    }
  }
  return env;
}

/** Accepts env as an object or a flag string (§10: the emulator takes both). */
export function normaliseEnv(env: Record<string, string | number | boolean> | string | null | undefined): EnvObject {
  if (env === null || env === undefined) return {};
  if (typeof env === "string") return parseEnvString(env);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

/** Enforces the create-time env limits (§3.2 "Input limits"). */
export function checkEnvLimits(env: EnvObject, askId: number): void {
  let total = 0;
  for (const [key, value] of Object.entries(env)) {
    const entry = key.length + value.length + 1;
    total += entry;
    if (entry > 256)
      throw apiError(400, "invalid_args", `error 400/3467: Invalid args: env entry ${key} is longer than 256 characters`, {
        ask_id: askId,
      });
  }
  if (total > 32768)
    throw apiError(400, "invalid_args", "error 400/3467: Invalid args: env is longer than 32768 characters in total", { ask_id: askId });
}

const RUNTYPE_TOKENS = new Set(["ssh", "jupyter", "args", "ssh_proxy", "ssh_direc", "jupyter_proxy", "jupyter_direc"]);

/**
 * Normalises a runtype to the `image_runtype` form: `_direct` → `_direc`, base mode first, then
 * the other tokens sorted ("ssh_direc ssh_proxy" → "ssh ssh_direc ssh_proxy", §3.2.2).
 */
export function normaliseRuntype(runtype: string, askId: number): string {
  const tokens = new Set(
    runtype
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((token) => token.replace(/_direct$/, "_direc")),
  );
  for (const token of tokens) {
    if (!RUNTYPE_TOKENS.has(token)) {
      throw apiError(400, "invalid_args", `error 400/3467: Invalid args: unknown runtype ${token}`, { ask_id: askId });
    }
  }
  const hasJupyter = [...tokens].some((token) => token.startsWith("jupyter"));
  if (hasJupyter && tokens.has("args")) {
    throw apiError(400, "invalid_args", "error 400/3467: Invalid args: can't use jupyter and args together", { ask_id: askId });
  }
  const base = hasJupyter ? "jupyter" : tokens.has("args") ? "args" : "ssh";
  const rest = [...tokens].filter((token) => token !== "ssh" && token !== "jupyter" && token !== "args").sort();
  return [base, ...rest].join(" ");
}

/** The runtype a template's plain word and direct flags stand for (§3.5 fields). */
export function templateRuntype(runtype: string, sshDirect: boolean, jupDirect: boolean): string {
  if (runtype === "jupyter") return jupDirect ? "jupyter_direc ssh_direc ssh_proxy" : "jupyter_proxy ssh_proxy";
  if (runtype === "ssh") return sshDirect ? "ssh_direc ssh_proxy" : "ssh_proxy";
  return "args";
}

/** The address every instance reports; the emulator never hands out a routable one (§6.2). */
export const PUBLIC_IPADDR = "127.0.0.1";

/**
 * Requested port key (`"8080/tcp"`, `"72299/tcp"`) → host port (a string, as Docker reports it).
 * A request of 70000 or more is an identity port (§6.1): it keeps its requested number as key, so
 * the container learns the port drawn from `VAST_TCP_PORT_72299`, as on Vast
 * (instance-runtime.md §8.6), while the container and the `ports` view use the drawn number.
 */
export type PortMap = Record<string, string>;

/** Requests from this container port up are identity ports (§6.1). */
export const IDENTITY_PORT_MIN = 70000;

/** The container port a binding really uses: an identity request's is the host port drawn for it. */
export function boundPortKey(key: string, hostPort: string): string {
  const [port = "", proto = "tcp"] = key.split("/");
  return Number(port) >= IDENTITY_PORT_MIN ? `${hostPort}/${proto}` : key;
}

/** The bindings as Docker and the `ports` field see them: identity requests under the number drawn. */
export function boundPorts(map: PortMap): PortMap {
  return Object.fromEntries(Object.entries(map).map(([key, hostPort]) => [boundPortKey(key, hostPort), hostPort]));
}

/** The container ports an instance asks for (§6.1). */
export interface PortRequest {
  /**
   * `"<container port>/<proto>"`: every `-p` key (identity requests, ≥ 70000, included), plus 22
   * for `ssh_direc`, 8080 and 22 for `jupyter_direc`.
   */
  keys: string[];
}

export function requestedPorts(env: EnvObject, runtype: string): PortRequest {
  const wanted: string[] = [];
  if (runtype.includes("ssh_direc") || runtype.includes("jupyter_direc")) wanted.push("22/tcp");
  if (runtype.includes("jupyter_direc")) wanted.push("8080/tcp");
  for (const key of Object.keys(env)) {
    if (!key.startsWith("-p ")) continue;
    const spec = key.slice(3);
    const [ports = "", proto = "tcp"] = spec.split("/");
    const containerPort = Number(ports.split(":").at(-1));
    if (!Number.isInteger(containerPort) || containerPort <= 0) continue;
    wanted.push(`${containerPort}/${proto}`);
  }
  return { keys: [...new Set(wanted)] };
}

/** Draws random host ports from the machine's direct-port range for every requested port. */
export function assignPorts(env: EnvObject, runtype: string, range: { start: number; end: number }): PortMap {
  const { keys } = requestedPorts(env, runtype);
  const used = new Set<number>();
  const size = range.end - range.start + 1;
  const draw = (): number => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const port = size >= 2 * keys.length ? range.start + randomInt(size) : 20000 + randomInt(45000);
      if (!used.has(port)) {
        used.add(port);
        return port;
      }
    }
    throw apiError(400, "invalid_args", "error 400/3467: Invalid args: no free host ports on this machine");
  };
  const map: PortMap = {};
  for (const key of keys) map[key] = String(draw());
  return map;
}

/** The `ports` field of a running instance: IPv4 and IPv6 bindings per container port (§6.2). */
export function portsView(map: PortMap): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  return Object.fromEntries(
    Object.entries(boundPorts(map)).map(([key, hostPort]) => [
      key,
      [
        { HostIp: "0.0.0.0", HostPort: hostPort },
        { HostIp: "::", HostPort: hostPort },
      ],
    ]),
  );
}
