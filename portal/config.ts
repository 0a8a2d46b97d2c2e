/**
 * The portal's whole configuration, read from the environment through one
 * strict schema (style.md rule 9). No other portal module reads `process.env`
 * (except `paths.ts` for `INSTANCE_ROOT`, which the entrypoint needs first).
 * @module
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { PortalErrorCode } from "./errors.ts";
import { settingsError } from "./settings-error.ts";

const portList = (key: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const ports = new Set<number>();
      for (const part of (value ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")) {
        if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > 65535) {
          ctx.addIssue({ code: "custom", message: `${key} must be a comma-separated list of ports, got ${JSON.stringify(part)}` });
          return z.NEVER;
        }
        ports.add(Number(part));
      }
      return ports as ReadonlySet<number>;
    });

const flag = (isOn: (lower: string) => boolean) =>
  z
    .string()
    .optional()
    .transform((v) => isOn((v ?? "").trim().toLowerCase()));
const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      if (!/^\d+$/.test(v)) {
        ctx.addIssue({ code: "custom", message: `must be a whole number, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return Number(v);
    });
const percent = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || n > 100) {
        ctx.addIssue({ code: "custom", message: `must be a percentage from 0 to 100, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v));

/** The environment variables the portal reads (instance-runtime.md §3.2, §4, §5, §8.11). */
const PortalEnv = z.strictObject({
  INSTANCE_ROOT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return "/";
      if (!path.isAbsolute(v)) {
        ctx.addIssue({ code: "custom", message: "must be an absolute path" });
        return z.NEVER;
      }
      return path.resolve(v);
    }),
  PORTAL_CONFIG: optionalText,
  OPEN_BUTTON_TOKEN: optionalText,
  WEB_PASSWORD: optionalText,
  WEB_USERNAME: optionalText,
  VAST_CONTAINERLABEL: optionalText,
  CONTAINER_ID: optionalText,
  PUBLIC_IPADDR: optionalText,
  ENABLE_HTTPS: flag((v) => v === "true"),
  // §3.2: auth is off only for the literal "false".
  ENABLE_AUTH: flag((v) => v !== "false"),
  AUTH_EXCLUDE: portList("AUTH_EXCLUDE"),
  CADDY_HEADER_UP_LOCALHOST: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const text = (v ?? "").trim();
      if (text.toLowerCase() === "true") return "all" as const;
      const parsed = portList("CADDY_HEADER_UP_LOCALHOST").safeParse(text);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: 'must be "true" or a comma-separated list of internal ports' });
        return z.NEVER;
      }
      return parsed.data;
    }),
  CADDY_ENABLE_COMPRESSION: flag((v) => v !== "false"),
  CADDY_CORS_ALLOWED_ORIGINS: optionalText,
  CADDY_CORS_ALLOWED_METHODS: z
    .string()
    .optional()
    .transform((v) => v || "GET, POST, PUT, DELETE, OPTIONS"),
  CADDY_CORS_ALLOWED_HEADERS: z
    .string()
    .optional()
    .transform((v) => v || "Authorization, Content-Type"),
  PORTAL_FRONT_HOST: z
    .string()
    .optional()
    .transform((v) => v || "0.0.0.0"),
  PORTAL_APP_PORT: positiveInt(11111),
  PORTAL_TUNNEL_API_PORT: positiveInt(11112),
  PORTAL_UNSTOPPABLE: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  CLOUDFLARED_BIN: z
    .string()
    .optional()
    .transform((v) => v || "cloudflared"),
  CF_TUNNEL_TOKEN: optionalText,
  CLOUDFLARE_METRICS: z
    .string()
    .optional()
    .transform((v) => v || "localhost:11113"),
  PORTAL_TUNNEL_TIMEOUT_MS: positiveInt(30_000),
  PORTAL_DEFAULT_TUNNELS: flag((v) => v !== "false"),
  WORKSPACE: z
    .string()
    .optional()
    .transform((v) => v || "/workspace"),
  PATH: z.string().optional(),
  // §4.3 Tools page: parsed per page load (portal-links.ts) so a bad value shows on the page, not as a start failure.
  PORTAL_LINKS: optionalText,
  // §8.10 credentials: read for presence only; the values never leave this module.
  HF_TOKEN: optionalText,
  HUGGING_FACE_HUB_TOKEN: optionalText,
  CIVITAI_TOKEN: optionalText,
  RCLONE_CONFIG: optionalText,
  // Autostop (autostop/watcher.ts): off unless AUTOSTOP_IDLE_MINUTES is a positive number.
  AUTOSTOP_IDLE_MINUTES: positiveInt(0),
  AUTOSTOP_ACTION: z
    .string()
    .optional()
    .transform((v) => v || "stop")
    .pipe(z.enum(["stop", "destroy"], { error: 'must be "stop" or "destroy"' })),
  AUTOSTOP_GPU_THRESHOLD: percent(5),
  AUTOSTOP_CPU_THRESHOLD: percent(20),
  AUTOSTOP_MINUTE_SECONDS: positiveInt(60).pipe(z.number().min(1, "must be at least 1")),
  VAST_API_URL: z
    .string()
    .optional()
    .transform((v) => v || "https://console.vast.ai")
    .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  CONTAINER_API_KEY: optionalText,
});

/** Credentials and rules of §3.4/§3.5. */
export interface AuthSettings {
  /** False only when `ENABLE_AUTH=false`. */
  readonly enabled: boolean;
  /** External ports served without auth (`AUTH_EXCLUDE`). */
  readonly excludedPorts: ReadonlySet<number>;
  /** Basic-auth user (`WEB_USERNAME`, default `vastai`). */
  readonly username: string;
  /** Token #1 and the basic-auth password (`WEB_PASSWORD`, default `OPEN_BUTTON_TOKEN`). */
  readonly password: string;
  /** Token #2 and the token route's cookie value (`OPEN_BUTTON_TOKEN`, default `WEB_PASSWORD`). */
  readonly openButtonToken: string;
  /** `<VAST_CONTAINERLABEL>_auth_token` (literally `None_auth_token` when unset, as the original). */
  readonly cookieName: string;
  /** True when neither token was set and both were generated. */
  readonly generated: boolean;
}

/** Everything the portal needs, parsed once. */
export interface PortalSettings {
  readonly instanceRoot: string;
  readonly portalConfig: string | undefined;
  readonly auth: AuthSettings;
  /** `ENABLE_HTTPS=true` (TLS still needs a usable or generated pair). */
  readonly https: boolean;
  /** `CADDY_HEADER_UP_LOCALHOST`: `all`, or the internal ports that get `Host: localhost:<port>`. */
  readonly headerUpLocalhost: "all" | ReadonlySet<number>;
  /**
   * CORS headers for authenticated routes as flat pairs, when
   * `CADDY_CORS_ALLOWED_ORIGINS` is set (with `_METHODS` and `_HEADERS`, §3.2). Defaults to none.
   */
  readonly cors: readonly string[] | undefined;
  /** zstd/gzip for clients that accept it (`CADDY_ENABLE_COMPRESSION`, off only for `false`). */
  readonly compression: boolean;
  /** `VAST_TCP_PORT_<ext>` values by external port (only non-empty ones). */
  readonly mappedPorts: ReadonlyMap<number, string>;
  readonly containerId: string | undefined;
  readonly containerLabel: string | undefined;
  readonly publicIp: string | undefined;
  /** Bind address of the front listeners. Defaults to `0.0.0.0`. */
  readonly frontHost: string;
  /** Port of the portal app on 127.0.0.1. Defaults to 11111. */
  readonly appPort: number;
  /** Port of the tunnel API on 127.0.0.1 (§5.4). Defaults to 11112. */
  readonly tunnelApiPort: number;
  /** Processes that cannot be stopped from the portal (§4.1). */
  readonly unstoppable: ReadonlySet<string>;
  /** The cloudflared executable (`CLOUDFLARED_BIN`, default `cloudflared` on PATH). */
  readonly cloudflared: string;
  readonly cfTunnelToken: string | undefined;
  /** cloudflared `--metrics` address for the named tunnel (`CLOUDFLARE_METRICS`). */
  readonly cloudflareMetrics: string;
  /** Quick-tunnel URL discovery timeout (§5.1). Defaults to 30 000 ms. */
  readonly tunnelTimeoutMs: number;
  /** Start one quick tunnel per external port at start (§5.1). Defaults to true. */
  readonly defaultTunnels: boolean;
  readonly workspace: string;
  /** `PATH`, for the tools the capability manifest reports. */
  readonly path: string | undefined;
  /** `PORTAL_LINKS` as given (`Label|URL|Description,...`); checked when the page is rendered. */
  readonly portalLinks: string | undefined;
  /**
   * Every `VAST_TCP_PORT_<port>` / `VAST_UDP_PORT_<port>` with a numeric value, sorted by protocol and
   * port; includes self-mapped ports above 65535 (§8), which {@link mappedPorts} leaves out.
   */
  readonly openPorts: readonly { readonly proto: "tcp" | "udp"; readonly containerPort: number; readonly publicPort: string }[];
  /** Which credentials are configured (§8.10: presence only, never the values). */
  readonly credentials: {
    /** `HF_TOKEN` or `HUGGING_FACE_HUB_TOKEN` is set. */
    readonly huggingface: boolean;
    /** `CIVITAI_TOKEN` is set. */
    readonly civitai: boolean;
    /** `RCLONE_CONFIG` is set. */
    readonly rcloneEnv: boolean;
  };
  /** The idle watcher's settings (autostop/watcher.ts). */
  readonly autostop: AutostopSettings;
}

/** What the autostop watcher does, from the `AUTOSTOP_*` variables (portal/README.md, "Autostop"). */
export interface AutostopSettings {
  /** Idle minutes before acting (`AUTOSTOP_IDLE_MINUTES`); 0, the default, turns autostop off. */
  readonly idleMinutes: number;
  /** `AUTOSTOP_ACTION`: `stop` (the default; storage still bills) or `destroy`. */
  readonly action: "stop" | "destroy";
  /** Busiest GPU's utilisation above which the instance is active, in % (`AUTOSTOP_GPU_THRESHOLD`, default 5). */
  readonly gpuThreshold: number;
  /** Container CPU use above which it is active, in % of one core (`AUTOSTOP_CPU_THRESHOLD`, default 20). */
  readonly cpuThreshold: number;
  /** Length of an autostop "minute" in seconds (`AUTOSTOP_MINUTE_SECONDS`, default 60): tests only, to shorten the window. */
  readonly minuteSeconds: number;
  /** The Vast API (`VAST_API_URL`, default `https://console.vast.ai`; the emulator injects its own). */
  readonly apiUrl: string;
  /** The instance's own key (`CONTAINER_API_KEY`, injected by Vast); never logged. */
  readonly apiKey: string | undefined;
}

const OPEN_PORT = /^VAST_(TCP|UDP)_PORT_(\d+)$/;
const MAPPED_PORT = /^VAST_TCP_PORT_(\d{1,5})$/;

/**
 * Parse the portal's settings from an environment.
 * @throws PortalError `PORTAL_SETTINGS_INVALID` listing every bad key as "→ at KEY"
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): PortalSettings {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(PortalEnv.shape)) picked[key] = env[key];
  const parsed = PortalEnv.safeParse(picked);
  if (!parsed.success) throw settingsError(PortalErrorCode.settingsInvalid, "portal environment", parsed.error);
  const e = parsed.data;
  const mappedPorts = new Map<number, string>();
  for (const [key, value] of Object.entries(env)) {
    const match = MAPPED_PORT.exec(key);
    if (match && value !== undefined && value !== "") mappedPorts.set(Number(match[1]), value);
  }
  const openPorts: { proto: "tcp" | "udp"; containerPort: number; publicPort: string }[] = [];
  for (const [key, value] of Object.entries(env)) {
    const match = OPEN_PORT.exec(key);
    if (match && value !== undefined && /^\d+$/.test(value))
      openPorts.push({ proto: match[1] === "TCP" ? "tcp" : "udp", containerPort: Number(match[2]), publicPort: value });
  }
  openPorts.sort((a, b) => a.proto.localeCompare(b.proto) || a.containerPort - b.containerPort);
  return {
    instanceRoot: e.INSTANCE_ROOT,
    portalConfig: e.PORTAL_CONFIG,
    auth: resolveAuth(e.WEB_PASSWORD, e.OPEN_BUTTON_TOKEN, e.WEB_USERNAME, e.VAST_CONTAINERLABEL, e.ENABLE_AUTH, e.AUTH_EXCLUDE),
    https: e.ENABLE_HTTPS,
    headerUpLocalhost: e.CADDY_HEADER_UP_LOCALHOST,
    cors:
      e.CADDY_CORS_ALLOWED_ORIGINS === undefined
        ? undefined
        : [
            "Access-Control-Allow-Origin",
            e.CADDY_CORS_ALLOWED_ORIGINS,
            "Access-Control-Allow-Methods",
            e.CADDY_CORS_ALLOWED_METHODS,
            "Access-Control-Allow-Headers",
            e.CADDY_CORS_ALLOWED_HEADERS,
          ],
    compression: e.CADDY_ENABLE_COMPRESSION,
    mappedPorts,
    containerId: e.CONTAINER_ID,
    containerLabel: e.VAST_CONTAINERLABEL,
    publicIp: e.PUBLIC_IPADDR,
    frontHost: e.PORTAL_FRONT_HOST,
    appPort: e.PORTAL_APP_PORT,
    tunnelApiPort: e.PORTAL_TUNNEL_API_PORT,
    unstoppable: new Set(["instance_portal", "caddy", "tunnel_manager", ...e.PORTAL_UNSTOPPABLE]),
    cloudflared: e.CLOUDFLARED_BIN,
    cfTunnelToken: e.CF_TUNNEL_TOKEN,
    cloudflareMetrics: e.CLOUDFLARE_METRICS,
    tunnelTimeoutMs: e.PORTAL_TUNNEL_TIMEOUT_MS,
    defaultTunnels: e.PORTAL_DEFAULT_TUNNELS,
    workspace: e.WORKSPACE,
    path: e.PATH,
    portalLinks: e.PORTAL_LINKS,
    openPorts,
    credentials: {
      huggingface: e.HF_TOKEN !== undefined || e.HUGGING_FACE_HUB_TOKEN !== undefined,
      civitai: e.CIVITAI_TOKEN !== undefined,
      rcloneEnv: e.RCLONE_CONFIG !== undefined,
    },
    autostop: {
      idleMinutes: e.AUTOSTOP_IDLE_MINUTES,
      action: e.AUTOSTOP_ACTION,
      gpuThreshold: e.AUTOSTOP_GPU_THRESHOLD,
      cpuThreshold: e.AUTOSTOP_CPU_THRESHOLD,
      minuteSeconds: e.AUTOSTOP_MINUTE_SECONDS,
      apiUrl: e.VAST_API_URL.replace(/\/+$/, ""),
      apiKey: e.CONTAINER_API_KEY,
    },
  };
}

/**
 * Token resolution of §3.2: neither token → both generated; one → the other
 * copies it; `\r`, `\n` and `;` are deleted from both.
 */
function resolveAuth(
  password: string | undefined,
  obt: string | undefined,
  username: string | undefined,
  label: string | undefined,
  enabled: boolean,
  excludedPorts: ReadonlySet<number>,
): AuthSettings {
  // A token that sanitises to nothing would make `?token=` match: treat it as unset.
  const clean = (s: string | undefined) => {
    const c = s?.replace(/[\r\n;]/g, "");
    return c === "" ? undefined : c;
  };
  let pw = clean(password);
  let token = clean(obt);
  const generated = pw === undefined && token === undefined;
  if (generated) pw = token = randomBytes(16).toString("base64url");
  pw ??= token;
  token ??= pw;
  return {
    enabled,
    excludedPorts,
    username: username ?? "vastai",
    password: pw as string,
    openButtonToken: token as string,
    cookieName: `${label ?? "None"}_auth_token`,
    generated,
  };
}
