/**
 * The WebSocket echo backend of the benchmark: `node ws-echo.ts PORT`
 * echoes every message on 127.0.0.1:PORT.
 */
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
process.on("SIGTERM", () => process.exit(0));
