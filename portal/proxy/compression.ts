/**
 * Response compression, the original's `encode zstd gzip`
 * (`CADDY_ENABLE_COMPRESSION`, default on; instance-runtime.md §3.2, §3.4).
 * Only compressible types of at least 512 bytes (Caddy's minimum length) that
 * the backend did not encode already; event streams are left alone so every
 * event still reaches the client at once.
 * @module
 */
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import { headerValue } from "./headers.ts";

const COMPRESSIBLE =
  /^(text\/(?!event-stream)|application\/(json|javascript|x-javascript|xml|xhtml\+xml|rss\+xml|atom\+xml|wasm|manifest\+json|ld\+json)|image\/svg\+xml)/i;
const MIN_LENGTH = 512;

/** The encoding to use for a response (`headers`: the upstream's, flat raw), or undefined to send it as is. */
export function chooseEncoding(
  acceptEncoding: string | undefined,
  method: string | undefined,
  status: number,
  headers: readonly string[],
): "zstd" | "gzip" | undefined {
  if (acceptEncoding === undefined || method === "HEAD" || status < 200 || status === 204 || status === 206 || status === 304)
    return undefined;
  if (headerValue(headers, "content-encoding") !== undefined || headerValue(headers, "content-range") !== undefined) return undefined;
  const type = headerValue(headers, "content-type");
  if (type === undefined || !COMPRESSIBLE.test(type)) return undefined;
  const length = headerValue(headers, "content-length");
  if (length !== undefined && Number(length) < MIN_LENGTH) return undefined;
  const accepted = parseAccept(acceptEncoding);
  if (accepted.has("zstd")) return "zstd";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}

/**
 * A compressor for `encoding`. Responses without a length may be long-lived
 * streams, so each chunk is flushed (a little ratio for no added latency).
 */
export function createEncoder(encoding: "zstd" | "gzip", streaming: boolean): Transform {
  if (encoding === "zstd") {
    return zlib.createZstdCompress({
      params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 },
      ...(streaming ? { flush: zlib.constants.ZSTD_e_flush } : {}),
    });
  }
  return zlib.createGzip({ level: 5, ...(streaming ? { flush: zlib.constants.Z_SYNC_FLUSH } : {}) });
}

/**
 * The response headers for an encoded body: no `Content-Length`, the
 * `Content-Encoding`, and `Accept-Encoding` added to `Vary`.
 */
export function encodedHeaders(headers: readonly string[], encoding: string): string[] {
  const out: string[] = [];
  let vary = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    if (name === "content-length") continue;
    if (name === "vary") {
      vary = true;
      const value = headers[i + 1] as string;
      out.push(headers[i] as string, /accept-encoding|\*/i.test(value) ? value : `${value}, Accept-Encoding`);
      continue;
    }
    out.push(headers[i] as string, headers[i + 1] as string);
  }
  out.push("Content-Encoding", encoding);
  if (!vary) out.push("Vary", "Accept-Encoding");
  return out;
}

function parseAccept(header: string): Set<string> {
  const out = new Set<string>();
  for (const part of header.split(",")) {
    const [token, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (token !== undefined && token !== "" && (q === undefined || Number(q.slice(2)) > 0)) out.add(token);
  }
  return out;
}
