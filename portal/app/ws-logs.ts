/**
 * The `/ws-logs` WebSocket endpoint (instance-runtime.md §4.2): a system
 * greeting, the replay buffer as `append` messages without `file`, then live
 * messages; the text frame `heartbeat` every 10 s, and `pong` for each `ping`.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import type { LogMessage, LogStream } from "./log-stream.ts";

/** Options of {@link createLogSocket}. */
export interface LogSocketOptions {
  readonly stream: LogStream;
  /** Heartbeat interval. Defaults to 10 000 ms. */
  readonly heartbeatMs?: number;
  /** Largest frame accepted from a client. Defaults to 4 KiB (clients only send `ping`). */
  readonly maxPayload?: number;
}

/** The upgrade handler and a close function. */
export interface LogSocket {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** Build the `/ws-logs` endpoint over a {@link LogStream}. */
export function createLogSocket(options: LogSocketOptions): LogSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 4096, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  const onMessage = (message: LogMessage) => {
    const text = JSON.stringify(message);
    for (const ws of clients) {
      // A client that stopped reading is dropped rather than buffered without bound.
      if (ws.bufferedAmount > 8 * 1024 * 1024) ws.terminate();
      else ws.send(text);
    }
  };
  options.stream.on("message", onMessage);
  const heartbeat = setInterval(() => {
    for (const ws of clients) ws.send("heartbeat");
  }, options.heartbeatMs ?? 10_000);
  heartbeat.unref();

  wss.on("connection", (ws) => {
    clients.add(ws);
    ws.on("close", () => clients.delete(ws));
    ws.on("error", () => ws.terminate());
    ws.on("message", (data, isBinary) => {
      if (!isBinary && data.toString() === "ping") ws.send("pong");
    });
    ws.send(JSON.stringify({ type: "system", html: '<div class="log-system">Connected to log stream</div>' }));
    for (const html of options.stream.history()) ws.send(JSON.stringify({ type: "append", html }));
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    close() {
      clearInterval(heartbeat);
      options.stream.off("message", onMessage);
      for (const ws of clients) ws.terminate();
      wss.close();
    },
  };
}
