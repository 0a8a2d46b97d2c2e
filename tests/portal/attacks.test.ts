/**
 * Attack suite: an attacker without credentials tries to get a request past
 * the front to the backend, or to crash or starve it. Scenarios: credentials
 * in every wrong place and form; encoded and doubled slashes and `..` aimed at
 * the no-auth list; duplicate Host; Transfer-Encoding / Content-Length
 * smuggling (RFC 9112 §6.3: a body read as a second request by one hop but
 * not the other); oversized headers; slowloris clients holding sockets with
 * unfinished heads; WebSocket upgrades without credentials; open redirects.
 * The backend records every request it sees: for unauthenticated attacks it
 * must see none, and the front must still serve a legitimate client afterwards.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { get, rawExchange, startEchoBackend, startFront } from "./_helpers.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

test("credentials in the wrong place or form never get in", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const attempts: [string, Record<string, string>][] = [
    ["/obt-secret", {}],
    ["/?tok=obt-secret", {}],
    ["/?TOKEN=obt-secret", {}],
    ["/?token[]=obt-secret", {}],
    ["/?x=token=obt-secret", {}],
    ["/?token=obt-secret%00", {}],
    ["/?token=%20obt-secret", {}],
    ["/", { "X-Token": "obt-secret" }],
    ["/", { Token: "obt-secret" }],
    ["/", { "Proxy-Authorization": "Bearer obt-secret" }],
    ["/", { Authorization: "obt-secret" }],
    ["/", { Authorization: "Bearer" }],
    ["/", { Authorization: `Basic ${b64("obt-secret:")}` }],
    ["/", { Authorization: `Basic ${b64(":obt-secret")}` }],
    ["/", { Authorization: `Basic ${b64("obt-secret")}` }],
    ["/", { Authorization: `Basic ${b64("vastai:pw-secret:")}` }],
    ["/", { Authorization: "Basic !!!!" }],
    ["/", { Authorization: `Digest username="vastai", response="pw-secret"` }],
    ["/", { Cookie: "C.42_auth_token" }],
    ["/", { Cookie: "C.42_auth_token=" }],
    ["/", { Cookie: "c.42_auth_token=obt-secret" }],
    ["/", { Cookie: "C.42_auth_token=obt-secret-but-longer" }],
    ["/", { Cookie: "None_auth_token=obt-secret" }],
    ["/", { "Set-Cookie": "C.42_auth_token=obt-secret" }],
    ["/", { Referer: "http://x/?token=obt-secret" }],
    ["/", { "Sec-WebSocket-Protocol": "obt-secret" }],
    ["/", { "X-Forwarded-User": "vastai", "X-Remote-User": "vastai" }],
  ];
  for (const [path, headers] of attempts) {
    const r = await get(port, path, { headers });
    assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
  }
  assert.equal(backend.seen.length, 0);
});

test("encoded and doubled slashes and dot segments cannot reach a protected path through the no-auth list", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const paths = [
    "/.well-known/acme-challenge/../../api/contents",
    "/.well-known/acme-challenge/..%2f..%2fapi",
    "/.well-known/acme-challenge/%2e%2e/%2e%2e/api",
    "/.well-known/acme-challenge/%2E%2E/x",
    "/.well-known/acme-challenge/.%2e/x",
    "/.well-known/acme-challenge//../x",
    "/.well-known/acme-challenge/..\\..\\x",
    "/.well-known/acme-challenge/%5c..%5cx",
    "/.well-known/acme-challenge/x%00/../../y",
    "/manifest.json/..",
    "/manifest.json%2f..%2fapi",
    "//manifest.json",
    "/manifest.json;/../api",
    "/./manifest.json",
    "/security.txt/../../api",
    "/portal-resolver/../api",
    "/portal-resolver%2f..%2fapi",
    "/%2fportal-resolver",
  ];
  for (const p of paths) {
    const out = await rawExchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 500);
    assert.match(out, /^HTTP\/1\.1 (400|401) /, p);
  }
  assert.equal(backend.seen.length, 0);
});

test("duplicate Host, absolute-form tricks and malformed targets are refused", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const cases = [
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nAuthorization: Bearer pw-secret\r\n\r\n",
    "GET / HTTP/1.1\r\nAuthorization: Bearer pw-secret\r\n\r\n",
    "GET * HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\n\r\n",
    "GET evil.test:80 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\n\r\n",
    "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\nAuthorization: Bearer pw-secret\r\n\r\n",
    "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
    "GARBAGE\r\n\r\n",
  ];
  for (const raw of cases) {
    const out = await rawExchange(port, raw, 500);
    assert.match(out, /^HTTP\/1\.1 400 |^$/, JSON.stringify(raw));
  }
  assert.equal(backend.seen.length, 0);
  // An absolute-form target is proxied as its path, with the upstream Host.
  const abs = await rawExchange(
    port,
    "GET http://evil.test/p?q=1 HTTP/1.1\r\nHost: evil.test\r\nAuthorization: Bearer pw-secret\r\nConnection: close\r\n\r\n",
    800,
  );
  assert.match(abs, /^HTTP\/1\.1 200 /);
  assert.equal(backend.seen[0]?.url, "/p?q=1");
  assert.equal(backend.seen[0]?.headers.host, `localhost:${backend.port}`);
});

test("Transfer-Encoding / Content-Length smuggling is refused and never desyncs the upstream", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const auth = "Authorization: Bearer pw-secret\r\n";
  const cases = [
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nContent-Length: 40\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: +5\r\n\r\n${smuggled}`,
    `POST /a HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n5;\nx\r\nhello\r\n0\r\n\r\n${smuggled}`,
  ];
  for (const raw of cases) {
    const out = await rawExchange(port, raw, 600);
    assert.match(out, /^HTTP\/1\.1 400 |^$/, JSON.stringify(raw.split("\r\n\r\n")[0]));
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!backend.seen.some((s) => s.url === "/smuggled"), JSON.stringify(backend.seen.map((s) => s.url)));
  // A well-formed pipelined pair is two requests, each authenticated on its own.
  const pair = await rawExchange(
    port,
    `POST /one HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    800,
  );
  assert.match(pair, /^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 401 /);
  assert.deepEqual(
    backend.seen.map((s) => s.url),
    ["/one"],
  );
});

test("oversized heads are refused with 431 and do not reach the backend", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const big = await rawExchange(
    port,
    `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\nX-Big: ${"a".repeat(32 * 1024)}\r\n\r\n`,
    800,
  );
  assert.match(big, /^HTTP\/1\.1 431 |^HTTP\/1\.1 400 |^$/);
  const many = Array.from({ length: 3000 }, (_, i) => `X-${i}: v\r\n`).join("");
  const out = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pw-secret\r\n${many}\r\n`, 800);
  assert.match(out, /^HTTP\/1\.1 431 |^HTTP\/1\.1 400 |^$/);
  const longUrl = await rawExchange(port, `GET /${"x".repeat(40 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 800);
  assert.match(longUrl, /^HTTP\/1\.1 431 |^HTTP\/1\.1 400 |^HTTP\/1\.1 414 |^$/);
  assert.equal(backend.seen.length, 0);
});

test("slow-header clients are cut off after the head timeout and do not starve others", { timeout: 20_000 }, async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const slow: net.Socket[] = [];
  const closedAt: number[] = [];
  const started = Date.now();
  for (let i = 0; i < 100; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.on("close", () => closedAt.push(Date.now() - started));
    s.write("GET / HTTP/1.1\r\nHost: x\r\n");
    slow.push(s);
  }
  t.after(() => {
    for (const s of slow) s.destroy();
  });
  const drip = setInterval(() => {
    for (const s of slow) if (!s.destroyed) s.write("X-Drip: 1\r\n");
  }, 300);
  t.after(() => clearInterval(drip));
  const ok = await get(port, "/", { headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(ok.status, 200);
  const deadline = Date.now() + 8000;
  while (closedAt.length < slow.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(closedAt.length, slow.length, "every slow client was disconnected");
  // The helper's fronts give clients 2 s for a head; allow the 1 s check interval.
  assert.ok(Math.max(...closedAt) < 4500, `slowest cut at ${Math.max(...closedAt)} ms`);
  assert.ok(!backend.seen.some((s) => s.headers["x-drip"] !== undefined));
});

test("WebSocket upgrades without valid credentials are refused in every form", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const hs = (path: string, extra = "") =>
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
  const cases = [
    hs("/ws"),
    hs("/ws?token=nope"),
    hs("/ws", "Sec-WebSocket-Protocol: Bearer, obt-secret\r\n"),
    hs("/.well-known/acme-challenge/../ws"),
    hs("/ws", "Cookie: C.42_auth_token=obt-secre\r\n"),
    hs("/ws", `Authorization: Basic ${b64("vastai:wrong")}\r\n`),
    hs("/ws").replace("GET", "POST"),
    hs("/ws").replace("websocket", "h2c"),
  ];
  for (const raw of cases) {
    const out = await rawExchange(port, raw, 500);
    assert.match(out, /^HTTP\/1\.1 (400|401) |^$/, raw.split("\r\n")[0]);
  }
  assert.equal(backend.seen.length, 0);
});

test("the token redirect never points off-site", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  for (const p of ["//evil.test/x?token=obt-secret", "/\\evil.test/?token=obt-secret", "///evil.test?token=obt-secret"]) {
    const out = await rawExchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n`, 500);
    const location = /\r\nLocation: ([^\r]*)/i.exec(out)?.[1] ?? "";
    assert.match(location, /^\/[^/\\]/, `${p} → ${location}`);
  }
});

test("after every attack the front still serves legitimate clients", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  const garbage = [
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3]),
    Buffer.alloc(70_000, 0x41),
    Buffer.from("\r\n\r\n\r\n"),
    Buffer.from("GET / HTTP/9.9\r\n\r\n"),
  ];
  await Promise.all(garbage.map((g) => rawExchange(port, g, 300)));
  const r = await get(port, "/ok", { headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).url, "/ok");
});
