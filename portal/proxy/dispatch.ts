/**
 * The final web pass: send the request upstream over a keep-alive pool and
 * stream the answer back. Request bodies are piped (large uploads never sit in
 * memory) and response headers are flushed at once for streaming responses,
 * the `flush_interval -1` of instance-runtime.md §3.2 (SSE).
 * @module
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { chooseEncoding, createEncoder, encodedHeaders } from './compression.ts';
import { downstreamResponseHeaders } from './headers.ts';
import { sendNotReady } from './not-ready.ts';
import type { ProxyContext } from './passes.ts';

/** Options of {@link dispatchWeb}. */
export interface DispatchOptions {
  /** The keep-alive pool for this upstream. */
  readonly agent: http.Agent;
  /** Give up connecting after this many ms and answer with the not-ready page. */
  readonly connectTimeoutMs: number;
}

const IDEMPOTENT_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Proxy one authenticated request; `ctx` has been through every incoming pass. */
export function dispatchWeb(ctx: ProxyContext, res: ServerResponse, options: DispatchOptions): void {
  send(ctx, res, options, true);
}

function send(ctx: ProxyContext, res: ServerResponse, options: DispatchOptions, mayRetry: boolean): void {
  const { req, route } = ctx;
  const upstream = http.request({
    host: route.app.hostname,
    port: route.app.internal_port,
    method: req.method,
    path: ctx.upstreamPath,
    headers: ctx.upstreamHeaders,
    agent: options.agent,
  });
  let connectTimer: NodeJS.Timeout | undefined;
  upstream.on('socket', (socket) => {
    if (!socket.connecting) return;
    connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), options.connectTimeoutMs);
    socket.once('connect', () => clearTimeout(connectTimer));
  });
  upstream.on('response', (ures) => relayResponse(ctx, res, ures));
  upstream.on('error', () => {
    clearTimeout(connectTimer);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A pooled socket the upstream had already closed: retry once when nothing
    // of the request body can have been consumed.
    if (mayRetry && upstream.reusedSocket && IDEMPOTENT_NO_BODY.has(req.method ?? '') && !hasBody(req)) {
      send(ctx, res, options, false);
      return;
    }
    sendNotReady(req, res, setCookieHeader(ctx));
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (hasBody(req)) {
    req.pipe(upstream);
  } else {
    upstream.end();
  }
}

function relayResponse(ctx: ProxyContext, res: ServerResponse, ures: IncomingMessage): void {
  const headers = downstreamResponseHeaders(ures.rawHeaders);
  const cors = ctx.route.cors;
  if (cors !== undefined && ctx.decision !== undefined && ctx.decision.credential !== 'disabled') addMissing(headers, cors);
  const cookie = ctx.decision?.setCookie;
  if (cookie !== undefined) headers.push('Set-Cookie', cookie);
  const status = ures.statusCode ?? 502;
  const streaming = ures.headers['content-length'] === undefined;
  const encoding = ctx.route.compress ? chooseEncoding(ctx.req.headers['accept-encoding'], ctx.req.method, status, ures.headers) : undefined;
  res.writeHead(status, ures.statusMessage, encoding === undefined ? headers : encodedHeaders(headers, encoding));
  // A response without a length is a stream (SSE, chunked logs): send the head
  // now rather than with the first chunk, which may be minutes away.
  if (streaming) res.flushHeaders();
  if (encoding === undefined) {
    ures.pipe(res);
    ures.on('error', () => res.destroy());
    return;
  }
  pipeline(ures, createEncoder(encoding, streaming), res, (err) => {
    if (err) res.destroy();
  });
}

/** Caddy's `header ?Name value`: add each pair only when the response lacks that header. */
function addMissing(headers: string[], pairs: readonly string[]): void {
  const present = new Set<string>();
  for (let i = 0; i < headers.length; i += 2) present.add((headers[i] as string).toLowerCase());
  for (let i = 0; i < pairs.length; i += 2) {
    if (!present.has((pairs[i] as string).toLowerCase())) headers.push(pairs[i] as string, pairs[i + 1] as string);
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function setCookieHeader(ctx: ProxyContext): string[] {
  const cookie = ctx.decision?.setCookie;
  return cookie === undefined ? [] : ['Set-Cookie', cookie];
}
