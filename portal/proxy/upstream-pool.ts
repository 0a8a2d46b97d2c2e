/**
 * Keep-alive HTTP/1.1 connections to one upstream app, and one
 * request/response exchange at a time on each (no pipelining). Idle
 * connections are reused last-in first-out, so a quiet front keeps few of
 * them warm; each closes after `keepAliveMs` without a request.
 * Response parsing is `upstream-response.ts`; WebSocket upgrades do not come
 * here (`upgrade.ts` splices sockets instead).
 * @module
 */
import net from "node:net";
import type { Readable } from "node:stream";
import { readBuffer } from "./body-blocks.ts";
import { ResponseParser } from "./upstream-response.ts";
import type { ResponseHead } from "./upstream-response.ts";

/** Options of {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  readonly host: string;
  readonly port: number;
  /** How long a new connection may take to open. */
  readonly connectTimeoutMs: number;
  /** How long an idle connection is kept. */
  readonly keepAliveMs: number;
}

/** One request to send upstream. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query, already checked (`request-target.ts`). */
  readonly path: string;
  /** Flat raw headers, sent as given. */
  readonly headers: readonly string[];
  /** The request body to stream, or null for none. */
  readonly body: Readable | null;
  /** Frame the body as chunked (the client's request had no `Content-Length`). */
  readonly chunked: boolean;
}

/** Receives the upstream's answer. Exactly one of `onEnd` and `onError` ends an exchange, unless it is aborted. */
export interface ExchangeHandler {
  onHead(head: ResponseHead): void;
  /**
   * A body chunk; return false to stop reading until {@link Exchange.resume}.
   * The chunk is valid only during the call (connections read into one
   * shared buffer): copy what outlives it.
   */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  /**
   * The exchange failed. `retryable`: it ran on a reused connection that
   * failed before any byte of an answer, the race with an upstream closing
   * an idle connection, so a request without side effects may be sent again.
   */
  onError(err: Error, retryable: boolean): void;
}

/** Control over a running exchange. */
export interface Exchange {
  /** Drop the exchange (the client went away): its connection is closed, the handler hears nothing more. */
  abort(): void;
  /** Continue reading after `onData` returned false. */
  resume(): void;
}

/** The keep-alive connections to one upstream. */
export class UpstreamPool {
  readonly #options: UpstreamPoolOptions;
  readonly #idle: UpstreamConnection[] = [];
  readonly #open = new Set<UpstreamConnection>();

  constructor(options: UpstreamPoolOptions) {
    this.#options = options;
  }

  /** Send `request` on an idle connection, or a new one. */
  request(request: UpstreamRequest, handler: ExchangeHandler): Exchange {
    const connection = this.#idle.pop() ?? this.#connect();
    return connection.start(request, handler);
  }

  /** Close every connection, busy or idle. */
  close(): void {
    for (const connection of this.#open) connection.socket.destroy();
  }

  #connect(): UpstreamConnection {
    const connection = new UpstreamConnection(this.#options, {
      idle: (c) => this.#idle.push(c),
      gone: (c) => {
        this.#open.delete(c);
        const at = this.#idle.indexOf(c);
        if (at >= 0) this.#idle.splice(at, 1);
      },
    });
    this.#open.add(connection);
    return connection;
  }
}

interface PoolHooks {
  idle(connection: UpstreamConnection): void;
  gone(connection: UpstreamConnection): void;
}

interface Active {
  readonly handler: ExchangeHandler;
  readonly parser: ResponseParser;
  bodySent: boolean;
  /** The parser has seen the end of the response. */
  ended: boolean;
  /** Detach from the request body. */
  releaseBody: () => void;
}

/** One socket to the upstream; the listeners are attached once and follow its current exchange. */
class UpstreamConnection {
  readonly socket: net.Socket;
  readonly #options: UpstreamPoolOptions;
  readonly #hooks: PoolHooks;
  #active: Active | undefined;
  /** The handler asked to stop reading during the current read. */
  #paused = false;
  #reused = false;
  #connected = false;

  constructor(options: UpstreamPoolOptions, hooks: PoolHooks) {
    this.#options = options;
    this.#hooks = hooks;
    // Every connection reads into one shared buffer (body-blocks.ts says why); returning false pauses reading.
    const socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (length) => this.#onRead(readBuffer.subarray(0, length)) },
    });
    this.socket = socket;
    socket.setTimeout(options.connectTimeoutMs);
    socket.once("connect", () => {
      this.#connected = true;
      // Busy connections have no timeout: event streams and long polls may be silent for minutes, as in Caddy.
      socket.setTimeout(0);
    });
    socket.on("timeout", () => {
      const error = this.#connected
        ? undefined
        : Object.assign(new Error(`connecting to the upstream took over ${options.connectTimeoutMs} ms`), { code: "ETIMEDOUT" });
      socket.destroy(error);
    });
    socket.on("end", () => this.#onEnd());
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => {
      this.#fail(Object.assign(new Error("the upstream closed the connection"), { code: "ECONNRESET" }));
      hooks.gone(this);
    });
  }

  start(request: UpstreamRequest, handler: ExchangeHandler): Exchange {
    const { socket } = this;
    if (this.#reused) socket.setTimeout(0);
    const current = () => this.#active === active;
    const active: Active = {
      handler,
      bodySent: request.body === null,
      ended: false,
      releaseBody: () => {},
      parser: new ResponseParser(
        {
          onHead: (head) => {
            if (current()) handler.onHead(head);
          },
          onBody: (chunk) => {
            if (current() && !handler.onData(chunk)) this.#paused = true;
          },
          onEnd: () => {
            active.ended = true;
          },
        },
        request.method === "HEAD",
      ),
    };
    this.#active = active;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    const { headers } = request;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    if (request.body !== null && request.chunked) head += "Transfer-Encoding: chunked\r\n";
    socket.write(`${head}\r\n`, "latin1");
    if (request.body !== null) this.#sendBody(active, request.body, request.chunked);
    return {
      abort: () => {
        if (current()) this.#leave(active).destroy();
      },
      resume: () => {
        if (current()) {
          this.#paused = false;
          socket.resume();
        }
      },
    };
  }

  /**
   * Stream the body with backpressure both ways. A client that goes away
   * mid-body ends the exchange; an answer that comes before the whole body
   * leaves the rest to be read and dropped, and the connection closes.
   */
  #sendBody(active: Active, body: Readable, chunked: boolean): void {
    const { socket } = this;
    const resumeBody = () => body.resume();
    const onData = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      let flushed: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        flushed = socket.write("\r\n");
        socket.uncork();
      } else {
        flushed = socket.write(chunk);
      }
      if (!flushed) {
        body.pause();
        socket.once("drain", resumeBody);
      }
    };
    const onEnd = () => {
      if (chunked) socket.write("0\r\n\r\n");
      active.bodySent = true;
      active.releaseBody();
    };
    const onClose = () => {
      if (this.#active === active) this.#leave(active).destroy();
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("close", onClose);
    active.releaseBody = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("close", onClose);
      socket.off("drain", resumeBody);
      if (!active.bodySent) body.resume();
    };
  }

  /** Returns whether to keep reading. */
  #onRead(data: Buffer): boolean {
    const active = this.#active;
    if (active === undefined) {
      // Nothing was asked: an idle connection the upstream writes to is out of step.
      this.socket.destroy();
      return false;
    }
    try {
      active.parser.push(data);
    } catch (err) {
      this.#fail(err as Error);
      return false;
    }
    if (active.ended) this.#complete(active);
    return !this.#paused;
  }

  #onEnd(): void {
    const active = this.#active;
    if (active === undefined) {
      this.socket.destroy();
      return;
    }
    try {
      active.parser.finish();
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    this.#complete(active);
  }

  /** The response is complete: hand the connection back when both directions are in step, else close it. */
  #complete(active: Active): void {
    if (this.#active !== active) return;
    const reusable = active.parser.reusable && active.bodySent && !this.socket.destroyed;
    this.#leave(active);
    active.handler.onEnd();
    if (!reusable) {
      this.socket.destroy();
      return;
    }
    this.#reused = true;
    this.#paused = false;
    this.socket.setTimeout(this.#options.keepAliveMs);
    this.#hooks.idle(this);
  }

  #fail(err: Error): void {
    const active = this.#active;
    if (active === undefined) return;
    this.#leave(active).destroy();
    active.handler.onError(err, this.#reused && !active.parser.started);
  }

  /** End `active` as this connection's exchange; returns the socket. */
  #leave(active: Active): net.Socket {
    this.#active = undefined;
    active.releaseBody();
    return this.socket;
  }
}
