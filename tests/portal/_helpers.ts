/**
 * Shared setup for the portal tests: loopback servers on free ports, a raw
 * HTTP client that can send any header, and fronts built from settings, either
 * listening on loopback or driven in-process (style.md rule 10).
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { duplexPair } from "node:stream";
import type { Duplex } from "node:stream";
import type { TestContext } from "node:test";
import { Authenticator } from "../../portal/auth.ts";
import type { AuthSettings } from "../../portal/config.ts";
import type { PortalApp } from "../../contracts/portal-config.ts";
import type { FrontOptions } from "../../portal/proxy/front.ts";
import { freePort } from "../_support/net.ts";
import { createFront } from "../../portal/proxy/front.ts";
import { listenFront } from "../../portal/listen.ts";
import type { FailureLimiter } from "../../portal/rate-limit.ts";
import { listenOn } from "../_support/net.ts";

export { freePort, listenOn } from "../_support/net.ts";
export { waitFor } from "../_support/poll.ts";

/** What the echo backend saw. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly bodyLength: number;
  /** The front's source port: one per pooled upstream connection. */
  readonly remotePort: number;
}

/** An HTTP backend that answers every request with JSON describing it; `/status/<n>` answers n. */
export async function startEchoBackend(t: TestContext): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let bodyLength = 0;
    req.on("data", (c: Buffer) => {
      bodyLength += c.length;
    });
    req.on("end", () => {
      const record = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyLength,
        remotePort: req.socket.remotePort ?? 0,
      };
      seen.push(record);
      const status = /^\/status\/(\d{3})/.exec(req.url ?? "");
      const headers: Record<string, string> = { "Content-Type": "application/json", "X-Portal-Placeholder": "from-upstream" };
      res.writeHead(status ? Number(status[1]) : 200, headers);
      res.end(JSON.stringify(record));
    });
  });
  const port = await listenOn(server);
  t.after(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  return { port, seen };
}

/** A response read in full. */
export interface Got {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Options of {@link get}. */
export interface GetOptions {
  readonly method?: string;
  readonly headers?: Record<string, string> | string[];
  readonly body?: string | Buffer;
  readonly tls?: boolean;
}

/**
 * A server driven in-process: each connection is an in-memory stream pair
 * handed to the server's `connection` event, so the request goes through
 * Node's real HTTP parser and writer without a socket (hono's `app.request`).
 */
export interface InProcess {
  /** Open a connection; the server sees `remoteAddress` as its peer. */
  connect(): Duplex;
}

/** Drive `server` (never listening) in-process, as if from `remoteAddress` (loopback by default). */
export function inProcess(server: http.Server, remoteAddress = "127.0.0.1"): InProcess {
  return {
    connect() {
      const [client, side] = duplexPair();
      Object.defineProperty(side, "remoteAddress", { value: remoteAddress });
      server.emit("connection", side);
      return client;
    },
  };
}

/**
 * One request over a fresh connection, to a loopback port or an
 * {@link InProcess} server; headers given as an array are sent verbatim.
 */
export function get(to: number | InProcess, path: string, options: GetOptions = {}): Promise<Got> {
  const mod = options.tls ? https : http;
  // An agent would open its own connection; without one, the request uses createConnection.
  const where = typeof to === "number" ? { host: "127.0.0.1", port: to, agent: false } : { createConnection: () => to.connect() };
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        ...where,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Write raw bytes on a new connection and collect everything until the server closes or `ms` pass. */
export function rawExchange(port: number, data: string | Buffer, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let out = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, ms);
    socket.on("data", (c) => {
      out += c.toString("latin1");
    });
    socket.on("close", done);
    socket.on("error", done);
    socket.write(data);
  });
}

/** Auth settings for tests: WEB_PASSWORD `pw-secret`, OPEN_BUTTON_TOKEN `obt-secret`, label `C.42`. */
export function authSettings(overrides: Partial<AuthSettings> = {}): AuthSettings {
  return {
    enabled: true,
    excludedPorts: new Set(),
    username: "vastai",
    password: "pw-secret",
    openButtonToken: "obt-secret",
    cookieName: "C.42_auth_token",
    generated: false,
    ...overrides,
  };
}

/** An app entry proxying `external` to `internal` on localhost. */
export function app(external: number, internal: number, name = "App"): PortalApp {
  return { hostname: "localhost", external_port: external, internal_port: internal, open_path: "/", name };
}

/** How a test front is set up. */
export interface TestFrontOptions {
  readonly auth?: Partial<AuthSettings>;
  readonly limiter?: FailureLimiter;
  readonly front?: Partial<FrontOptions>;
  readonly tls?: { cert: string; key: string };
  /** The app's external port. Defaults to 1111. */
  readonly external?: number;
}

function testFront(t: TestContext, internalPort: number, opts: TestFrontOptions) {
  const external = opts.external ?? 1111;
  const front = createFront({
    app: app(external, internalPort),
    authenticator: new Authenticator(authSettings(opts.auth), opts.limiter),
    tls: opts.tls !== undefined,
    ...opts.front,
  });
  t.after(() => front.close());
  return front;
}

/** A front for `internalPort` driven in-process (no listener); for HTTP semantics: status, headers, redirects, auth. */
export function startFrontInProcess(t: TestContext, internalPort: number, opts: TestFrontOptions = {}): InProcess {
  const front = testFront(t, internalPort, opts);
  return inProcess(http.createServer(front.handleRequest).on("upgrade", front.handleUpgrade));
}

/** Start a front listener for `internalPort`; resolves its port. */
export async function startFront(t: TestContext, internalPort: number, opts: TestFrontOptions = {}): Promise<number> {
  const front = testFront(t, internalPort, opts);
  const listener = await listenFront({
    host: "127.0.0.1",
    port: 0,
    tls: opts.tls,
    handleRequest: front.handleRequest,
    handleUpgrade: front.handleUpgrade,
    headersTimeoutMs: 2000,
  });
  t.after(() => listener.close(100));
  return listener.port;
}

/** A temporary instance root with `/var/log/portal` created; removed after the test. */
export async function tempInstanceRoot(t: TestContext): Promise<string> {
  const fs = await import("node:fs/promises");
  const os = await import("node:os");
  const path = await import("node:path");
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "portal-root-"));
  await fs.mkdir(path.join(root, "var/log/portal"), { recursive: true });
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  return root;
}

/** The cloudflared stand-in. */
/**
 * The environment a test portal starts with: its instance root, the app on `app`, the tunnel API
 * on a free port, no default tunnels; with `front`, a portal front on that port with token "tok".
 * `extra` adds or overrides.
 */
export async function portalTestEnv(
  root: string,
  app: number,
  front?: number,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? "",
    INSTANCE_ROOT: root,
    PORTAL_FRONT_HOST: "127.0.0.1",
    PORTAL_APP_PORT: String(app),
    PORTAL_TUNNEL_API_PORT: String(await freePort()),
    PORTAL_DEFAULT_TUNNELS: "false",
    ...(front === undefined
      ? {}
      : { PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal`, [`VAST_TCP_PORT_${front}`]: "1", OPEN_BUTTON_TOKEN: "tok" }),
    ...extra,
  };
}

export const FAKE_CLOUDFLARED = new URL("./fixtures/cloudflared", import.meta.url).pathname;
