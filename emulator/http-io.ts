/**
 * Low-level HTTP helpers: path normalisation (vast-api.md §1.1), body reading, and writing
 * answers with the exact headers the real service uses.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { EmulatorError } from "./errors.ts";

/** Bodies larger than this are refused; the API's largest (templates with a readme) are far smaller. */
const MAX_BODY_BYTES = 1 << 20;

/** `//api/v0//x/` → `/api/v0/x`: doubled slashes collapse and the trailing slash is optional. */
export function normalisePath(pathname: string): string {
  const collapsed = pathname.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed;
}

/** Reads the whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new EmulatorError("EMU_BODY_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Writes a JSON answer. Content-Type is set by hand to exactly `application/json`: the CLI's
 * offer search rejects anything else, `; charset=utf-8` included (§2.1).
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}

/** Writes a text answer with the given Content-Type. */
export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** The API key a request carries: the Bearer header first, then `?api_key=` (§1.2). */
export function presentedKey(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
  return query.get("api_key") ?? undefined;
}

/** The Bearer key only: admin routes do not take `?api_key=`. */
export function bearerKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
}
