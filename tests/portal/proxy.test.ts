/**
 * The front as a proxy: keep-alive pooling, SSE flushed at once, streamed
 * uploads, WebSocket upgrades (authenticated like any request), and the
 * relay of a declining upstream.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocketServer } from "ws";
import { get, listenOn, rawExchange, startEchoBackend, startFront, startFrontInProcess } from "./_helpers.ts";

const AUTH = { Authorization: "Bearer pw-secret" };

test("upstream connections are pooled and reused across client requests", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  const peers = new Set<string>();
  await Promise.all(
    Array.from(
      { length: 200 },
      () =>
        new Promise<void>((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port, path: "/k", headers: AUTH, agent }, (res) => {
              res.resume();
              res.on("end", resolve);
            })
            .on("error", reject);
        }),
    ),
  );
  assert.equal(backend.seen.length, 200);
  for (const s of backend.seen) peers.add(String(s.remotePort));
  // 200 requests over at most 4 client connections: the upstream pool stays as small.
  assert.ok(peers.size <= 4, `${peers.size} upstream connections`);
});

test("server-sent events reach the client as they are written, not when the stream ends", async (t) => {
  let emit: ((s: string) => void) | undefined;
  const sse = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.flushHeaders();
    emit = (s) => res.write(s);
    req.on("close", () => res.end());
  });
  const ssePort = await listenOn(sse);
  t.after(() => {
    sse.closeAllConnections();
    sse.close();
  });
  const port = await startFront(t, ssePort);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: "/events", headers: AUTH }, resolve).on("error", reject);
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "text/event-stream");
  for (const n of [1, 2, 3]) {
    const started = Date.now();
    const chunk = once(res, "data");
    emit?.(`data: event ${n}\n\n`);
    const [data] = (await chunk) as [Buffer];
    assert.equal(data.toString(), `data: event ${n}\n\n`);
    assert.ok(Date.now() - started < 500, "event arrived promptly");
  }
  res.destroy();
});

test("a large upload is streamed to the backend intact, chunked or with a length", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const size = 48 * 1024 * 1024;
  for (const chunked of [false, true]) {
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          path: "/upload",
          method: "PUT",
          headers: { ...AUTH, ...(chunked ? {} : { "Content-Length": String(size) }) },
        },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      const block = Buffer.alloc(1024 * 1024, 7);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += block.length;
          if (!req.write(block)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(JSON.parse(got).bodyLength, size, chunked ? "chunked" : "content-length");
  }
});

test("a GET with a chunked body is framed upstream, so the body cannot become a second request", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const smuggled = "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
  const out = await rawExchange(
    port,
    `GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`,
  );
  assert.match(out, /^HTTP\/1\.1 200/);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    backend.seen.map((s) => s.url),
    ["/a"],
  );
  assert.equal(backend.seen[0]?.bodyLength, smuggled.length);
});

test("WebSocket upgrades are proxied both ways when authenticated, with credentials stripped", async (t) => {
  const backend = http.createServer();
  const wss = new WebSocketServer({ server: backend });
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  wss.on("connection", (ws, req) => {
    seenHeaders.push(req.headers);
    ws.on("message", (data, binary) => ws.send(data, { binary }));
  });
  const backendPort = await listenOn(backend);
  t.after(() => {
    wss.close();
    backend.closeAllConnections();
    backend.close();
  });
  const port = await startFront(t, backendPort);

  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/kernels/1/channels?token=obt-secret`);
  await once(ws, "open");
  const replies: string[] = [];
  ws.addEventListener("message", (ev) => replies.push(String(ev.data)));
  for (let i = 0; i < 50; i++) ws.send(`msg ${i}`);
  const deadline = Date.now() + 3000;
  while (replies.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(replies.length, 50);
  assert.equal(replies[49], "msg 49");
  ws.close();
  assert.equal(seenHeaders[0]?.host, `localhost:${backendPort}`);
  assert.equal(seenHeaders[0]?.authorization, undefined);

  const withCookie = new WebSocket(`ws://127.0.0.1:${port}/x`, {
    headers: { Cookie: "C.42_auth_token=pw-secret; a=b" },
  } as unknown as string[]);
  await once(withCookie, "open");
  withCookie.close();
  assert.equal(seenHeaders[1]?.cookie, "a=b");
});

test("a WebSocket upgrade without credentials gets 401 and never reaches the backend", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const handshake = (extra: string) =>
    `GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
  for (const extra of [
    "",
    "Cookie: C.42_auth_token=wrong\r\n",
    "Authorization: Bearer nope\r\n",
    "Sec-WebSocket-Protocol: obt-secret\r\n",
  ]) {
    const out = await rawExchange(port, handshake(extra), 500);
    assert.match(out, /^HTTP\/1\.1 401 /, extra);
  }
  assert.equal(backend.seen.length, 0);
});

test("an upstream that declines the upgrade has its answer relayed", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const out = await rawExchange(
    port,
    "GET /status/403 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    800,
  );
  assert.match(out, /^HTTP\/1\.1 403 /);
  assert.match(out, /"url":"\/status\/403"/);
  assert.doesNotMatch(out, /X-Portal-Placeholder/i);
});

test("a response body is not cut when the client is slow, and an aborted client frees the upstream", async (t) => {
  const big = Buffer.alloc(8 * 1024 * 1024, 1);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": String(big.length) });
    res.end(big);
  });
  const upstreamPort = await listenOn(server);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = await startFront(t, upstreamPort);
  const r = await get(port, "/big", { headers: AUTH });
  assert.equal(r.body.length, big.length);
});

test("compressible responses are encoded for clients that accept it; small, encoded and event-stream ones are not", async (t) => {
  const { gunzipSync, zstdDecompressSync } = await import("node:zlib");
  const text = "x".repeat(4096);
  const server = http.createServer((req, res) => {
    if (req.url === "/small") {
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": "5" });
      res.end("small");
      return;
    }
    if (req.url === "/png") {
      res.writeHead(200, { "Content-Type": "image/png" });
      res.end(text);
      return;
    }
    if (req.url === "/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.end("data: 1\n\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/javascript", "Content-Length": String(text.length), Vary: "Origin" });
    res.end(text);
  });
  const upstreamPort = await listenOn(server);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  // Content negotiation is HTTP semantics: driven in-process.
  const front = startFrontInProcess(t, upstreamPort, { front: { compress: true } });
  const fetchRaw = (path: string, accept: string) =>
    new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get({ createConnection: () => front.connect(), path, headers: { ...AUTH, "Accept-Encoding": accept } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on("error", reject);
    });
  const gz = await fetchRaw("/app.js", "gzip, deflate");
  assert.equal(gz.headers["content-encoding"], "gzip");
  assert.equal(gz.headers["content-length"], undefined);
  assert.equal(gz.headers.vary, "Origin, Accept-Encoding");
  assert.equal(gunzipSync(gz.body).toString(), text);
  const zs = await fetchRaw("/app.js", "gzip, zstd");
  assert.equal(zs.headers["content-encoding"], "zstd");
  assert.equal(zstdDecompressSync(zs.body).toString(), text);
  assert.equal((await fetchRaw("/app.js", "gzip;q=0, identity")).headers["content-encoding"], undefined);
  for (const p of ["/small", "/png", "/events"]) assert.equal((await fetchRaw(p, "gzip")).headers["content-encoding"], undefined, p);
});

test("a large compressed body to a slow reader keeps flowing through the encoder (backpressure on the encoder, not the socket)", async (t) => {
  const { gunzipSync } = await import("node:zlib");
  const { randomBytes } = await import("node:crypto");
  // Random hex compresses only ~2:1, so the encoder fills up before the socket does.
  const text = randomBytes(4 * 1024 * 1024).toString("hex");
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(text);
  });
  const upstreamPort = await listenOn(server);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = await startFront(t, upstreamPort, { front: { compress: true } });
  const body = await new Promise<Buffer>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/big.txt", headers: { ...AUTH, "Accept-Encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => {
          chunks.push(c);
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on("end", () => resolve(Buffer.concat(chunks)));
      })
      .on("error", reject);
  });
  assert.equal(gunzipSync(body).toString().length, text.length);
});
