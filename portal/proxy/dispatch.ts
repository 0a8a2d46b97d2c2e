/**
 * The final web pass: send the request upstream over an undici keep-alive
 * pool and stream the answer back. Request bodies are streamed (large uploads
 * never sit in memory), response chunks are written as they arrive with
 * backpressure, and response headers are flushed at once for streaming
 * responses, the `flush_interval -1` of instance-runtime.md §3.2 (SSE).
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { chooseEncoding, createEncoder, encodedHeaders } from './compression.ts';
import { downstreamResponseHeaders } from './headers.ts';
import { sendNotReady } from './not-ready.ts';
import type { ProxyContext } from './passes.ts';

const IDEMPOTENT_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Proxy one authenticated request through `pool`; `ctx` has been through every incoming pass. */
export function dispatchPooled(ctx: ProxyContext, res: ServerResponse, pool: Dispatcher): void {
  send(ctx, res, pool, true);
}

function send(ctx: ProxyContext, res: ServerResponse, pool: Dispatcher, mayRetry: boolean): void {
  const { req } = ctx;
  const body = hasBody(req) ? req : null;
  let controller: Dispatcher.DispatchController | undefined;
  let started = false;
  let sink: Writable = res;
  const onClose = () => {
    if (!res.writableFinished) controller?.abort(new Error('client went away'));
  };
  res.on('close', onClose);
  pool.dispatch({
    path: ctx.upstreamPath as string,
    method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: ctx.upstreamHeaders,
    body,
    // Long polls and event streams may be silent for minutes (Caddy has no such timeouts either).
    headersTimeout: 0,
    bodyTimeout: 0,
  }, {
    onRequestStart(c) {
      controller = c;
    },
    onResponseStart(_c, statusCode, headers, statusMessage) {
      started = true;
      sink = relayHead(ctx, res, statusCode, headers, statusMessage);
    },
    onResponseData(c, chunk) {
      if (!sink.write(chunk)) {
        c.pause();
        sink.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      res.off('close', onClose);
      sink.end();
    },
    onResponseError(_c, err) {
      res.off('close', onClose);
      if (started || res.headersSent) {
        res.destroy();
        return;
      }
      // A pooled connection the upstream had already closed: retry once when
      // nothing of the request body can have been consumed.
      if (mayRetry && IDEMPOTENT_NO_BODY.has(req.method ?? '') && body === null && isReset(err)) {
        send(ctx, res, pool, false);
        return;
      }
      if (!res.destroyed) sendNotReady(req, res, setCookieHeader(ctx));
    },
  });
}

/** Write the response head; returns where the body goes (the response, or an encoder piped into it). */
function relayHead(ctx: ProxyContext, res: ServerResponse, status: number, parsed: IncomingHttpHeaders, statusMessage: string | undefined): Writable {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else if (value !== undefined) raw.push(name, value);
  }
  const headers = downstreamResponseHeaders(raw);
  const cors = ctx.route.cors;
  if (cors !== undefined && ctx.decision !== undefined && ctx.decision.credential !== 'disabled') addMissing(headers, cors);
  const cookie = ctx.decision?.setCookie;
  if (cookie !== undefined) headers.push('Set-Cookie', cookie);
  const streaming = parsed['content-length'] === undefined;
  const encoding = ctx.route.compress ? chooseEncoding(ctx.req.headers['accept-encoding'], ctx.req.method, status, parsed) : undefined;
  res.writeHead(status, statusMessage, encoding === undefined ? headers : encodedHeaders(headers, encoding));
  // A response without a length is a stream (SSE, chunked logs): send the head
  // now rather than with the first chunk, which may be minutes away.
  if (streaming) res.flushHeaders();
  if (encoding === undefined) return res;
  const encoder = createEncoder(encoding, streaming);
  encoder.pipe(res);
  encoder.on('error', () => res.destroy());
  return encoder;
}

/** Caddy's `header ?Name value`: add each pair only when the response lacks that header. */
function addMissing(headers: string[], pairs: readonly string[]): void {
  const present = new Set<string>();
  for (let i = 0; i < headers.length; i += 2) present.add((headers[i] as string).toLowerCase());
  for (let i = 0; i < pairs.length; i += 2) {
    if (!present.has((pairs[i] as string).toLowerCase())) headers.push(pairs[i] as string, pairs[i + 1] as string);
  }
}

function isReset(err: Error): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function setCookieHeader(ctx: ProxyContext): string[] {
  const cookie = ctx.decision?.setCookie;
  return cookie === undefined ? [] : ['Set-Cookie', cookie];
}
