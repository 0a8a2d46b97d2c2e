/**
 * WebSocket upgrades through the front, after httpxy's `ws-incoming`:
 * (1) refuse anything but a GET `websocket` upgrade, (2) attach the client
 * socket's error handler before the upstream answers, (3) relay a declining
 * upstream's response, (4) after `101`, pipe both ways and end the peer when
 * either side fails. Auth already ran in the shared passes.
 * @module
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { downstreamResponseHeaders } from "./headers.ts";
import type { ProxyContext } from "./passes.ts";

/** True when the request is a GET asking to upgrade to `websocket` (step 1). */
export function isWebSocketUpgrade(method: string | undefined, upgrade: string | undefined): boolean {
  return method === "GET" && upgrade !== undefined && upgrade.toLowerCase() === "websocket";
}

/** Write a complete raw HTTP/1.1 response on a socket that has not been upgraded. */
export function writeRawResponse(socket: Duplex, status: number, headers: readonly string[], body = ""): void {
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === "content-length"))
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  socket.end(`${head}Connection: close\r\n\r\n${body}`);
}

/** Proxy one authenticated upgrade; `ctx` has been through every incoming pass. */
export function dispatchUpgrade(ctx: ProxyContext, socket: Duplex, head: Buffer, connectTimeoutMs: number): void {
  const { route } = ctx;
  socket.on("error", () => socket.destroy());
  const upstream = http.request({
    host: route.app.hostname,
    port: route.app.internal_port,
    method: "GET",
    path: ctx.upstreamPath,
    headers: ctx.upstreamHeaders,
    agent: false,
  });
  const connectTimer = setTimeout(() => upstream.destroy(new Error("connect timeout")), connectTimeoutMs);
  upstream.on("socket", (s) => s.once("connect", () => clearTimeout(connectTimer)));
  upstream.on("error", () => {
    clearTimeout(connectTimer);
    writeRawResponse(
      socket,
      502,
      ["Content-Type", "text/plain", "X-Portal-Placeholder", "true", "Cache-Control", "no-store"],
      "Bad Gateway\n",
    );
  });
  socket.on("close", () => upstream.destroy());
  // Step 3: the upstream declined; relay its answer as-is.
  upstream.on("response", (ures) => {
    if (socket.destroyed) {
      ures.resume();
      return;
    }
    let headText = `HTTP/1.1 ${ures.statusCode} ${ures.statusMessage}\r\n`;
    const headers = downstreamResponseHeaders(ures.rawHeaders);
    for (let i = 0; i < headers.length; i += 2) headText += `${headers[i]}: ${headers[i + 1]}\r\n`;
    // The connection closes after this answer, so a body without a length is close-delimited.
    socket.write(`${headText}Connection: close\r\n\r\n`);
    ures.pipe(socket);
  });
  // Step 4: switched; splice the two sockets.
  upstream.on("upgrade", (ures, usocket, uhead) => {
    clearTimeout(connectTimer);
    usocket.on("error", () => socket.destroy());
    socket.on("error", () => usocket.destroy());
    if (socket.destroyed) {
      usocket.destroy();
      return;
    }
    let headText = "HTTP/1.1 101 Switching Protocols\r\n";
    const headers = downstreamResponseHeaders(ures.rawHeaders, true);
    const cookie = ctx.decision?.setCookie;
    if (cookie !== undefined) headers.push("Set-Cookie", cookie);
    for (let i = 0; i < headers.length; i += 2) headText += `${headers[i]}: ${headers[i + 1]}\r\n`;
    socket.write(`${headText}\r\n`);
    if (uhead.length > 0) socket.write(uhead);
    if (head.length > 0) usocket.write(head);
    usocket.setNoDelay(true);
    usocket.pipe(socket);
    socket.pipe(usocket);
    usocket.on("close", () => socket.destroy());
    socket.on("close", () => usocket.destroy());
  });
  upstream.end();
}
