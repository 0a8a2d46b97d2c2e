/**
 * The front's upstream client: the response parser on every framing, split
 * at every byte, and strict on what could desynchronize a connection; the
 * pool against raw TCP upstreams that answer exactly the bytes under test.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { UpstreamPool } from "../../portal/proxy/upstream-pool.ts";
import type { ExchangeHandler, UpstreamRequest } from "../../portal/proxy/upstream-pool.ts";
import { ResponseParser, UpstreamProtocolError } from "../../portal/proxy/upstream-response.ts";
import type { ResponseHead } from "../../portal/proxy/upstream-response.ts";
import { freePort, listenOn, waitFor } from "./_helpers.ts";

interface Parsed {
  head?: ResponseHead;
  body: string;
  ends: number;
}

/** Feed `parts` to a parser; returns what it saw and the parser. */
function parse(parts: readonly (string | Buffer)[], bodyless = false): { seen: Parsed; parser: ResponseParser } {
  const seen: Parsed = { body: "", ends: 0 };
  const parser = new ResponseParser(
    {
      onHead: (head) => {
        seen.head = head;
      },
      onBody: (chunk) => {
        seen.body += chunk.toString("latin1");
      },
      onEnd: () => {
        seen.ends++;
      },
    },
    bodyless,
  );
  for (const part of parts) parser.push(Buffer.isBuffer(part) ? part : Buffer.from(part, "latin1"));
  return { seen, parser };
}

/** Every way of cutting `text` in two. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

const CHUNKED =
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n" +
  "5;ext=1\r\nhello\r\n1A\r\n, and a chunk of 26 bytes.\r\n0\r\nX-Trailer: dropped\r\n\r\n";

test("a chunked body is decoded however the bytes are split, trailers dropped, and the connection is reusable", () => {
  for (const parts of [...splits(CHUNKED), CHUNKED.split("")]) {
    const { seen, parser } = parse(parts);
    assert.equal(seen.head?.status, 200);
    assert.deepEqual(seen.head?.headers, ["Transfer-Encoding", "chunked", "Content-Type", "text/plain"]);
    assert.equal(seen.body, "hello, and a chunk of 26 bytes.");
    assert.equal(seen.ends, 1);
    assert.ok(parser.reusable);
  }
});

test("a Content-Length body ends at its length; bytes after it make the connection unusable", () => {
  const text = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello";
  for (const parts of splits(text)) {
    const { seen, parser } = parse(parts);
    assert.equal(seen.head?.statusMessage, "Created");
    assert.equal(seen.body, "hello");
    assert.equal(seen.ends, 1);
    assert.ok(parser.reusable);
  }
  const { seen, parser } = parse([`${text}HTTP/1.1 200 OK\r\n\r\n`]);
  assert.equal(seen.body, "hello");
  assert.equal(parser.reusable, false);
});

test("no body for HEAD, 204 and 304, and interim 1xx answers are skipped", () => {
  assert.equal(parse(["HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"], true).seen.ends, 1);
  assert.equal(parse(["HTTP/1.1 204 No Content\r\n\r\n"]).seen.ends, 1);
  assert.equal(parse(["HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"]).seen.ends, 1);
  const { seen } = parse([
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  ]);
  assert.equal(seen.head?.status, 200);
  assert.equal(seen.body, "ok");
});

test("a body without length runs to the end of the connection and never reuses it", () => {
  const { seen, parser } = parse(["HTTP/1.1 200 OK\r\n\r\nstream", "ing"]);
  assert.equal(seen.head?.closeDelimited, true);
  assert.equal(seen.ends, 0);
  parser.finish();
  assert.equal(seen.body, "streaming");
  assert.equal(seen.ends, 1);
  assert.equal(parser.reusable, false);
});

test("HTTP/1.0 and Connection: close end keep-alive; a cut-off body is an error", () => {
  assert.equal(parse(["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]).parser.reusable, false);
  assert.equal(parse(["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"]).parser.reusable, true);
  assert.equal(parse(["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]).parser.reusable, false);
  const { parser } = parse(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"]);
  assert.throws(() => parser.finish(), UpstreamProtocolError);
});

test("both framings at once: read as chunked, and the connection is not reused", () => {
  const { seen, parser } = parse(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"]);
  assert.equal(seen.body, "hi");
  assert.equal(seen.ends, 1);
  assert.equal(parser.reusable, false);
});

test("malformed responses are refused with a reason", () => {
  const bad: [string, RegExp][] = [
    ["HTTP/2 200 OK\r\n\r\n", /malformed status line/],
    ["HTTP/1.1 20 OK\r\n\r\n", /malformed status line/],
    ["HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", /malformed header line/],
    ["HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", /malformed header line/],
    ["HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n", /control characters/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", /conflicting Content-Length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /malformed Content-Length/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /malformed chunk size/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX\r\n", /longer than its size/],
    ["HTTP/1.1 101 Switching Protocols\r\n\r\n", /switched protocols/],
    [`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}`, /larger than 65536 bytes/],
  ];
  for (const [text, reason] of bad) assert.throws(() => parse([text]), reason, JSON.stringify(text.slice(0, 50)));
});

/** A raw upstream: `answer` gets each connection and what arrives on it. */
async function rawUpstream(
  t: TestContext,
  answer: (socket: net.Socket, data: string, connection: number) => void,
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const id = ++connections;
    sockets.add(socket);
    socket.on("data", (d) => answer(socket, d.toString("latin1"), id));
    socket.on("error", () => {});
  });
  const port = await listenOn(server);
  t.after(
    () =>
      new Promise((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(r);
      }),
  );
  return { port, connections: () => connections };
}

interface Outcome {
  status?: number;
  body: string;
  error?: Error;
  retryable?: boolean;
}

function exchange(pool: UpstreamPool, request: Partial<UpstreamRequest> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { body: "" };
    const handler: ExchangeHandler = {
      onHead: (head) => {
        out.status = head.status;
      },
      onData: (chunk) => {
        out.body += chunk.toString("latin1");
        return true;
      },
      onEnd: () => resolve(out),
      onError: (error, retryable) => resolve({ ...out, error, retryable }),
    };
    pool.request({ method: "GET", path: "/", headers: ["Host", "up"], body: null, chunked: false, ...request }, handler);
  });
}

test("the pool reuses a connection, and a reused connection the upstream closed is reported retryable", async (t) => {
  const up = await rawUpstream(t, (socket, data, id) => {
    if (!data.startsWith("GET")) return;
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${id}${id}`);
    // The second connection closes right after answering, as an upstream at its keep-alive limit does.
    if (id === 1 && data.includes("/last")) socket.destroy();
  });
  const pool = new UpstreamPool({ host: "127.0.0.1", port: up.port, connectTimeoutMs: 1000, keepAliveMs: 4000 });
  t.after(() => pool.close());
  assert.deepEqual(await exchange(pool), { status: 200, body: "11" });
  assert.deepEqual(await exchange(pool, { path: "/last" }), { status: 200, body: "11" });
  assert.equal(up.connections(), 1, "both requests on one connection");
  // The pool may still hold the closed connection for a moment; a request on it fails as retryable or gets a new one.
  const third = await exchange(pool);
  assert.ok(third.error === undefined ? third.body === "22" : third.retryable === true, JSON.stringify(third));
});

test("request bodies: Content-Length bodies pass as is, others are sent chunked", async (t) => {
  let received = "";
  const up = await rawUpstream(t, (socket, data) => {
    received += data;
    if (received.endsWith("\r\n0\r\n\r\n") || received.endsWith("world")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  const pool = new UpstreamPool({ host: "127.0.0.1", port: up.port, connectTimeoutMs: 1000, keepAliveMs: 4000 });
  t.after(() => pool.close());
  await exchange(pool, {
    method: "POST",
    headers: ["Host", "up", "Content-Length", "11"],
    body: Readable.from([Buffer.from("hello "), Buffer.from("world")]),
  });
  assert.match(received, /^POST \/ HTTP\/1\.1\r\nHost: up\r\nContent-Length: 11\r\n\r\nhello world$/);
  received = "";
  await exchange(pool, { method: "POST", body: Readable.from([Buffer.from("hello "), Buffer.from("world")]), chunked: true });
  assert.equal(received, "POST / HTTP/1.1\r\nHost: up\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
});

test("an upstream that dies mid-body, refuses connections or answers garbage fails the exchange, not the front", async (t) => {
  const up = await rawUpstream(t, (socket) => {
    socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  });
  const pool = new UpstreamPool({ host: "127.0.0.1", port: up.port, connectTimeoutMs: 1000, keepAliveMs: 4000 });
  t.after(() => pool.close());
  const cut = await exchange(pool);
  assert.equal(cut.status, 200);
  assert.match(cut.error?.message ?? "", /before the response was complete/);

  const garbage = await rawUpstream(t, (socket) => socket.end("SSH-2.0-OpenSSH\r\n\r\n"));
  const pool2 = new UpstreamPool({ host: "127.0.0.1", port: garbage.port, connectTimeoutMs: 1000, keepAliveMs: 4000 });
  t.after(() => pool2.close());
  assert.match((await exchange(pool2)).error?.message ?? "", /malformed status line/);

  const nobody = await freePort();
  const pool3 = new UpstreamPool({ host: "127.0.0.1", port: nobody, connectTimeoutMs: 1000, keepAliveMs: 4000 });
  t.after(() => pool3.close());
  const refused = await exchange(pool3);
  assert.equal((refused.error as NodeJS.ErrnoException | undefined)?.code, "ECONNREFUSED");
  assert.equal(refused.retryable, false);
});

test("idle connections close after keepAliveMs", async (t) => {
  let open = 0;
  const server = net.createServer((socket) => {
    open++;
    socket.on("close", () => open--);
    socket.on("data", () => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  });
  const port = await listenOn(server);
  t.after(() => new Promise((r) => server.close(r)));
  const pool = new UpstreamPool({ host: "127.0.0.1", port, connectTimeoutMs: 1000, keepAliveMs: 200 });
  t.after(() => pool.close());
  await exchange(pool);
  assert.equal(open, 1);
  await waitFor("the idle connection to close", () => open === 0 || undefined, 3000);
});
