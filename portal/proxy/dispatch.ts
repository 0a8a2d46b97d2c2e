/**
 * The final web pass: send the request upstream over a keep-alive pool
 * (`upstream-pool.ts`) and stream the answer back. Request bodies are
 * streamed (large uploads never sit in memory), response chunks are written
 * as they arrive with backpressure, and response headers are flushed at once
 * for streaming responses, the `flush_interval -1` of instance-runtime.md
 * §3.2 (SSE).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import { copyIntoBlock } from "./body-blocks.ts";
import { chooseEncoding, createEncoder, encodedHeaders } from "./compression.ts";
import { downstreamResponseHeaders, headerValue } from "./headers.ts";
import { sendNotReady } from "./not-ready.ts";
import type { ProxyContext } from "./passes.ts";
import type { Exchange, UpstreamPool } from "./upstream-pool.ts";
import type { ResponseHead } from "./upstream-response.ts";

const IDEMPOTENT_NO_BODY = new Set(["GET", "HEAD", "OPTIONS"]);

/** Proxy one authenticated request through `pool`; `ctx` has been through every incoming pass. */
export function dispatchPooled(ctx: ProxyContext, res: ServerResponse, pool: UpstreamPool): void {
  send(ctx, res, pool, true);
}

function send(ctx: ProxyContext, res: ServerResponse, pool: UpstreamPool, mayRetry: boolean): void {
  const { req } = ctx;
  const method = req.method ?? "GET";
  const body = hasBody(req) ? req : null;
  let sink: Writable = res;
  let exchange: Exchange | undefined;
  const onClose = () => {
    if (!res.writableFinished) exchange?.abort();
  };
  const resume = () => exchange?.resume();
  res.on("close", onClose);
  exchange = pool.request(
    {
      method,
      path: ctx.upstreamPath as string,
      headers: ctx.upstreamHeaders as string[],
      body,
      chunked: body !== null && req.headers["content-length"] === undefined,
    },
    {
      onHead(head) {
        try {
          sink = relayHead(ctx, res, head);
        } catch {
          // Node refused what the upstream sent (a status it cannot write, say): not the client's fault.
          exchange?.abort();
          res.off("close", onClose);
          if (res.headersSent) res.destroy();
          else sendNotReady(req, res, setCookieHeader(ctx));
        }
      },
      onData(chunk) {
        const copy = copyIntoBlock(chunk);
        if (sink.write(copy.data, copy.release)) return true;
        sink.once("drain", resume);
        return false;
      },
      onEnd() {
        res.off("close", onClose);
        sink.end();
      },
      onError(_err, retryable) {
        res.off("close", onClose);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // A pooled connection the upstream had already closed: retry once when
        // nothing of the request body can have been consumed.
        if (mayRetry && retryable && IDEMPOTENT_NO_BODY.has(method) && body === null) {
          send(ctx, res, pool, false);
          return;
        }
        if (!res.destroyed) sendNotReady(req, res, setCookieHeader(ctx));
      },
    },
  );
}

/** Write the response head; returns where the body goes (the response, or an encoder piped into it). */
function relayHead(ctx: ProxyContext, res: ServerResponse, head: ResponseHead): Writable {
  const headers = downstreamResponseHeaders(head.headers);
  const cors = ctx.route.cors;
  if (cors !== undefined && ctx.decision !== undefined && ctx.decision.credential !== "disabled") addMissing(headers, cors);
  const cookie = ctx.decision?.setCookie;
  if (cookie !== undefined) headers.push("Set-Cookie", cookie);
  const streaming = headerValue(head.headers, "content-length") === undefined;
  const encoding = ctx.route.compress
    ? chooseEncoding(ctx.req.headers["accept-encoding"], ctx.req.method, head.status, head.headers)
    : undefined;
  res.writeHead(head.status, head.statusMessage, encoding === undefined ? headers : encodedHeaders(headers, encoding));
  // A response without a length is a stream (SSE, chunked logs): send the head
  // now rather than with the first chunk, which may be minutes away.
  if (streaming) res.flushHeaders();
  if (encoding === undefined) return res;
  const encoder = createEncoder(encoding, streaming);
  encoder.pipe(res);
  encoder.on("error", () => res.destroy());
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

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function setCookieHeader(ctx: ProxyContext): string[] {
  const cookie = ctx.decision?.setCookie;
  return cookie === undefined ? [] : ["Set-Cookie", cookie];
}
