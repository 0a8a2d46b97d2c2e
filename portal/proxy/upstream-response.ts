/**
 * An incremental parser for HTTP/1.1 responses from an upstream app: the
 * status line and headers, then the body framed by `Content-Length`,
 * `Transfer-Encoding: chunked` or the end of the connection (RFC 9112 §6.3).
 *
 * Why not undici or node:http: undici's WebAssembly parser costs the front
 * about 25 MB of resident memory (a third of its budget), and node:http's
 * client halves the requests/s; a proxy needs only this much of a client.
 * Strict where leniency lets a backend confuse the front: CRLF line ends, no
 * folded or control-character header values, one consistent
 * `Content-Length`, and a response that carries both framings is read as
 * chunked and never reuses its connection.
 * @module
 */

/** A malformed response; the connection it came on is unusable. */
export class UpstreamProtocolError extends Error {
  override readonly name = "UpstreamProtocolError";
}

/** A parsed response head. */
export interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  /** Raw header pairs, `[name, value, …]`, names as sent. */
  readonly headers: string[];
  /** Whether the body ends only when the connection closes. */
  readonly closeDelimited: boolean;
}

/** Receives what {@link ResponseParser} finds. */
export interface ResponseEvents {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/** Larger than any sane response head (Node's own limit is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, obs-text, spaces and tabs: what a header value may hold (RFC 9110 §5.5).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

type State = "head" | "fixed" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" | "until-close" | "done";

/** Parses one response; `push` each chunk read from the connection, `finish` at its end. */
export class ResponseParser {
  #state: State = "head";
  #pending: Buffer | undefined;
  #remaining = 0;
  #keepAlive = false;
  #excess = false;
  readonly #events: ResponseEvents;
  readonly #bodyless: boolean;

  /** `bodyless`: the request was HEAD, so no response to it has a body. */
  constructor(events: ResponseEvents, bodyless: boolean) {
    this.#events = events;
    this.#bodyless = bodyless;
  }

  /** Whether the whole response has been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Whether the connection can carry another request once this response is done. */
  get reusable(): boolean {
    return this.#state === "done" && this.#keepAlive && !this.#excess;
  }

  /** Whether any byte of a response head has arrived. */
  get started(): boolean {
    return this.#state !== "head" || this.#pending !== undefined;
  }

  /** Feed bytes read from the connection; throws {@link UpstreamProtocolError} on a malformed response. */
  push(data: Buffer): void {
    let buf = data;
    if (this.#pending !== undefined) {
      buf = Buffer.concat([this.#pending, data]);
      this.#pending = undefined;
    }
    let at = 0;
    while (at < buf.length) {
      switch (this.#state) {
        case "head":
          at = this.#readHead(buf, at);
          break;
        case "fixed":
          at = this.#readFixed(buf, at);
          break;
        case "chunk-size":
          at = this.#readChunkSize(buf, at);
          break;
        case "chunk-data":
          at = this.#readChunkData(buf, at);
          break;
        case "chunk-end":
          at = this.#readChunkEnd(buf, at);
          break;
        case "trailers":
          at = this.#readTrailers(buf, at);
          break;
        case "until-close":
          this.#events.onBody(at === 0 ? buf : buf.subarray(at));
          at = buf.length;
          break;
        case "done":
          // Bytes after a complete response: the upstream is out of step, so never reuse it.
          this.#excess = true;
          return;
      }
      if (at < 0) return;
    }
  }

  /** The connection ended cleanly; completes a close-delimited body, else throws. */
  finish(): void {
    if (this.#state === "done") return;
    if (this.#state !== "until-close") throw new UpstreamProtocolError("upstream closed the connection before the response was complete");
    this.#state = "done";
    this.#events.onEnd();
  }

  /** Keep `buf[at..]` for the next push; returns -1 to stop the loop. */
  #wait(buf: Buffer, at: number, limit: number, what: string): number {
    if (buf.length - at > limit) throw new UpstreamProtocolError(`upstream ${what} is larger than ${limit} bytes`);
    // A copy: the connection reuses the buffer it reads into.
    this.#pending = Buffer.from(buf.subarray(at));
    return -1;
  }

  #readHead(buf: Buffer, at: number): number {
    const end = buf.indexOf(HEAD_END, at);
    if (end < 0) return this.#wait(buf, at, MAX_HEAD_BYTES, "response head");
    if (end - at > MAX_HEAD_BYTES) throw new UpstreamProtocolError(`upstream response head is larger than ${MAX_HEAD_BYTES} bytes`);
    const lines = buf.toString("latin1", at, end).split("\r\n");
    const statusLine = STATUS_LINE.exec(lines[0] as string);
    if (statusLine === null)
      throw new UpstreamProtocolError(`upstream sent a malformed status line: ${JSON.stringify((lines[0] as string).slice(0, 80))}`);
    const status = Number(statusLine[2]);
    const headers: string[] = [];
    let contentLength: number | undefined;
    let chunked = false;
    let transferEncoding = false;
    let closeToken = false;
    let keepAliveToken = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!TOKEN.test(name)) throw new UpstreamProtocolError(`upstream sent a malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
      const value = line.slice(colon + 1).trim();
      if (!FIELD_VALUE.test(value)) throw new UpstreamProtocolError(`upstream header ${name} holds control characters`);
      headers.push(name, value);
      switch (name.toLowerCase()) {
        case "content-length":
          contentLength = mergeContentLength(contentLength, value);
          break;
        case "transfer-encoding":
          transferEncoding = true;
          chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
          break;
        case "connection":
          for (const token of value.toLowerCase().split(",")) {
            const t = token.trim();
            if (t === "close") closeToken = true;
            else if (t === "keep-alive") keepAliveToken = true;
          }
          break;
      }
    }
    at = end + HEAD_END.length;
    // Interim answers (100 Continue, 103 Early Hints): the final response follows on the same connection.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new UpstreamProtocolError("upstream switched protocols on a plain request");
      return at;
    }
    const http11 = statusLine[1] === "1";
    this.#keepAlive = http11 ? !closeToken : keepAliveToken;
    let closeDelimited = false;
    if (this.#bodyless || status === 204 || status === 304) {
      this.#state = "done";
    } else if (transferEncoding) {
      // Both framings at once is how smuggling starts (RFC 9112 §6.3): chunked wins, the connection is not reused.
      if (contentLength !== undefined) this.#keepAlive = false;
      if (chunked) {
        this.#state = "chunk-size";
      } else {
        closeDelimited = true;
        this.#state = "until-close";
      }
    } else if (contentLength !== undefined) {
      this.#remaining = contentLength;
      this.#state = contentLength === 0 ? "done" : "fixed";
    } else {
      closeDelimited = true;
      this.#state = "until-close";
    }
    if (closeDelimited) this.#keepAlive = false;
    this.#events.onHead({ status, statusMessage: statusLine[3] ?? "", headers, closeDelimited });
    if (this.#state === "done") this.#events.onEnd();
    return at;
  }

  #readFixed(buf: Buffer, at: number): number {
    const take = Math.min(this.#remaining, buf.length - at);
    this.#events.onBody(at === 0 && take === buf.length ? buf : buf.subarray(at, at + take));
    this.#remaining -= take;
    if (this.#remaining === 0) this.#complete();
    return at + take;
  }

  #readChunkSize(buf: Buffer, at: number): number {
    const end = buf.indexOf(CRLF, at);
    if (end < 0) return this.#wait(buf, at, MAX_CHUNK_LINE, "chunk size line");
    const line = buf.toString("latin1", at, end);
    const semicolon = line.indexOf(";");
    const digits = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(digits))
      throw new UpstreamProtocolError(`upstream sent a malformed chunk size: ${JSON.stringify(line.slice(0, 40))}`);
    this.#remaining = Number.parseInt(digits, 16);
    this.#state = this.#remaining === 0 ? "trailers" : "chunk-data";
    return end + CRLF.length;
  }

  #readChunkData(buf: Buffer, at: number): number {
    const take = Math.min(this.#remaining, buf.length - at);
    this.#events.onBody(buf.subarray(at, at + take));
    this.#remaining -= take;
    if (this.#remaining === 0) this.#state = "chunk-end";
    return at + take;
  }

  #readChunkEnd(buf: Buffer, at: number): number {
    if (buf.length - at < CRLF.length) return this.#wait(buf, at, CRLF.length, "chunk end");
    if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) throw new UpstreamProtocolError("upstream chunk data is longer than its size");
    this.#state = "chunk-size";
    return at + CRLF.length;
  }

  /** Trailer fields are read and dropped (Caddy does not forward them either). */
  #readTrailers(buf: Buffer, at: number): number {
    const end = buf.indexOf(CRLF, at);
    if (end < 0) return this.#wait(buf, at, MAX_HEAD_BYTES, "trailer section");
    if (end === at) this.#complete();
    return end + CRLF.length;
  }

  #complete(): void {
    this.#state = "done";
    this.#events.onEnd();
  }
}

/** `Content-Length` may repeat (or list) one value; anything else is an error (RFC 9110 §8.6). */
function mergeContentLength(previous: number | undefined, value: string): number {
  let length = previous;
  for (const part of value.split(",")) {
    const digits = part.trim();
    if (!/^\d{1,15}$/.test(digits))
      throw new UpstreamProtocolError(`upstream sent a malformed Content-Length: ${JSON.stringify(value.slice(0, 40))}`);
    const n = Number(digits);
    if (length !== undefined && length !== n) throw new UpstreamProtocolError("upstream sent conflicting Content-Length values");
    length = n;
  }
  return length as number;
}
