/**
 * The log files `request_logs` points at (vast-api.md §3.4, G13). The real service uploads them
 * to another host a moment after the request; here they are held in memory (they are not state
 * worth keeping across restarts) and served without auth under an unguessable name.
 */
import { randomBytes } from "node:crypto";

/** How long an upload stays "pending" (answering 404), as the real one does at first. */
const UPLOAD_DELAY_MS = 100;
/** Oldest uploads are forgotten past this many. */
const MAX_UPLOADS = 200;

export class LogUploads {
  /** `text` is undefined while a Docker-mode upload is still being read from the container. */
  #uploads = new Map<string, { readyAt: number; text: string | undefined }>();

  /** Stores `text` (or, once it resolves, what it resolves to) and returns the file name to serve it under. */
  add(text: string | Promise<string>, now: number): string {
    const file = `${randomBytes(12).toString("hex")}.log`;
    const upload = { readyAt: now + UPLOAD_DELAY_MS, text: typeof text === "string" ? text : undefined };
    if (typeof text !== "string") {
      text.then(
        (value) => (upload.text = value),
        (error: unknown) => (upload.text = `${(error as Error).message}\n`),
      );
    }
    this.#uploads.set(file, upload);
    if (this.#uploads.size > MAX_UPLOADS) {
      const oldest = this.#uploads.keys().next().value;
      if (oldest !== undefined) this.#uploads.delete(oldest);
    }
    return file;
  }

  /** The text once uploaded; `pending` before that; undefined for an unknown file. */
  get(file: string, now: number): string | "pending" | undefined {
    const upload = this.#uploads.get(file);
    if (!upload) return undefined;
    return now < upload.readyAt || upload.text === undefined ? "pending" : upload.text;
  }
}
