/**
 * Listeners for the fronts: plain HTTP, or TLS with a same-port redirect for
 * plain-HTTP clients (instance-runtime.md §3.3 `http_redirect`). Only
 * `server.ts` calls this module.
 * @module
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Options of {@link listenFront}. */
export interface ListenOptions {
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** PEM pair: when set the port speaks TLS and redirects plain HTTP to https. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Milliseconds a client gets to send a complete request head. Defaults to 15 000. */
  readonly headersTimeoutMs?: number;
}

/** A bound listener. */
export interface FrontListener {
  readonly port: number;
  readonly server: net.Server;
  /** Stop accepting, close idle keep-alive connections, then drop the rest after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;
/**
 * The server picks the suite, preferring AES-128-GCM, as Caddy (Go's
 * crypto/tls) does on CPUs with AES instructions. OpenSSL would otherwise
 * follow the client's order, which for OpenSSL and browser clients often
 * starts with AES-256-GCM: four more AES rounds per block for no practical
 * gain (both are TLS 1.3's standard suites), measured 8–10% of MB/s on 1 MiB
 * bodies. TLS 1.2 keeps Node's default list.
 */
const CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_256_GCM_SHA384",
  ...tls.DEFAULT_CIPHERS.split(":").filter((suite) => !suite.startsWith("TLS_")),
].join(":");
const HOST_HEADER = /^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** Bind a front listener and resolve once it accepts connections. */
export async function listenFront(options: ListenOptions): Promise<FrontListener> {
  const headersTimeout = options.headersTimeoutMs ?? 15_000;
  const serverOptions: http.ServerOptions = {
    // Long uploads and streams are legitimate; slow request heads are not (slowloris).
    requestTimeout: 0,
    headersTimeout,
    keepAliveTimeout: 5_000,
    maxHeaderSize: 16 * 1024,
    insecureHTTPParser: false,
    noDelay: true,
    // Check head deadlines every second, not every 30 s, so slow-header clients go promptly.
    connectionsCheckingInterval: 1_000,
    // Node 24's 64 KiB default lets each streaming response queue four times as much before
    // backpressure reaches the upstream: measured 3 MB more at peak on eight 1 MiB downloads.
    highWaterMark: 16 * 1024,
  };
  const app =
    options.tls === undefined
      ? http.createServer(serverOptions)
      : https.createServer({
          ...serverOptions,
          cert: options.tls.cert,
          key: options.tls.key,
          ciphers: CIPHERS,
          honorCipherOrder: true,
        });
  app.on("request", options.handleRequest);
  app.on("upgrade", options.handleUpgrade);
  app.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    socket.destroy();
  });

  let outer: net.Server = app;
  let redirect: http.Server | undefined;
  if (options.tls !== undefined) {
    redirect = http.createServer(serverOptions, (req, res) => {
      const host = req.headers.host;
      if (host === undefined || !HOST_HEADER.test(host)) {
        res.writeHead(400, { "Content-Length": "0", Connection: "close" }).end();
        return;
      }
      res.writeHead(308, { Location: `https://${host}${req.url ?? "/"}`, "Content-Length": "0", Connection: "close" }).end();
    });
    const tlsApp = app;
    const plain = redirect;
    // One port, two protocols: peek at the first byte; a TLS ClientHello starts with 0x16.
    outer = net.createServer({ noDelay: true }, (socket) => {
      socket.setTimeout(headersTimeout, () => socket.destroy());
      socket.once("data", (chunk) => {
        socket.setTimeout(0);
        socket.pause();
        socket.unshift(chunk);
        if (chunk[0] === TLS_HANDSHAKE) {
          // TLSSocket takes over the handle and replays the buffered ClientHello itself;
          // resuming the outer socket here would steal the TLS stream.
          tlsApp.emit("connection", socket);
        } else {
          plain.emit("connection", socket);
          socket.resume();
        }
      });
      socket.on("error", () => socket.destroy());
    });
  }

  // Upgraded sockets (WebSockets) leave the HTTP server's bookkeeping, so the
  // listener tracks every socket itself to be able to end them all on close.
  const sockets = new Set<net.Socket>();
  outer.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    outer.once("error", reject);
    outer.listen({ port: options.port, host: options.host }, () => {
      outer.off("error", reject);
      resolve();
    });
  });
  const port = (outer.address() as net.AddressInfo).port;
  return {
    port,
    server: outer,
    async close(graceMs = 2000) {
      const closed = new Promise<void>((resolve) => outer.close(() => resolve()));
      for (const s of [app, redirect]) s?.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      if (outer !== app) app.close();
      redirect?.close();
      await closed;
      clearTimeout(timer);
    },
  };
}
