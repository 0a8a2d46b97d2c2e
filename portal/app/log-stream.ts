/**
 * Live logs (instance-runtime.md §4.2): every `*.log` directly in
 * `/var/log/portal/` is polled every 200 ms; growth, truncation and
 * replacement are detected; each file runs through its own {@link Terminal};
 * a chronological buffer of the last 750 lines is replayed to new clients.
 * Files over 5 MB are cut to their last 1 MB every 30 s, in place: the services'
 * log writers (`tee -a` in utils/logging.sh) hold them open and keep appending.
 * @module
 */
import { EventEmitter } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { Terminal } from "./terminal.ts";
import type { TerminalEvent } from "./terminal.ts";

/**
 * A message of the `/ws-logs` protocol: a new line, a rewrite of the file's
 * last line, or a rewrite of its last `replace` lines by `lines` (a multi-line
 * progress block redrawn in place; see terminal.ts).
 */
export type LogMessage = TerminalEvent & { readonly file: string };

/** Options of {@link LogStream}. */
export interface LogStreamOptions {
  /** `/var/log/portal` under the instance root. */
  readonly dir: string;
  /** `/var/log` under the instance root (for the clean companion log on rotation). */
  readonly cleanDir: string;
  /** Poll interval. Defaults to 200 ms. */
  readonly pollMs?: number;
  /** Lines kept for replay and read from a newly seen file. Defaults to 750. */
  readonly historyLines?: number;
  /** How often files over 5 MB are cut to their last 1 MB. Defaults to 30 000 ms. */
  readonly rotateMs?: number;
}

interface Tracked {
  ino: number;
  pos: number;
  terminal: Terminal;
  decoder: StringDecoder;
  /** This file's most recent lines in the history, oldest first, for rewrites. */
  entries: HistoryEntry[];
}

interface HistoryEntry {
  html: string;
}

const ROTATE_ABOVE = 5 * 1024 * 1024;
const ROTATE_KEEP = 1024 * 1024;
const TAIL_BYTES = 256 * 1024;

/** Watches the log folder and emits `message` events ({@link LogMessage}). */
export class LogStream extends EventEmitter<{ message: [LogMessage] }> {
  readonly #o: Required<LogStreamOptions>;
  readonly #files = new Map<string, Tracked>();
  readonly #history: HistoryEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #rotateTimer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: LogStreamOptions) {
    super();
    this.#o = { pollMs: 200, historyLines: 750, rotateMs: 30_000, ...options };
  }

  /** Start polling; the first scan reads the tail of every existing file, oldest first. */
  async start(): Promise<void> {
    await this.#poll();
    this.#timer = setInterval(() => void this.#poll(), this.#o.pollMs);
    this.#timer.unref();
    this.#rotateTimer = setInterval(() => void this.#rotate(), this.#o.rotateMs);
    this.#rotateTimer.unref();
  }

  /** Stop polling. */
  stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#rotateTimer);
  }

  /** The replay buffer, oldest first (rendered HTML lines). */
  history(): string[] {
    return this.#history.map((e) => e.html);
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const names = (await fs.readdir(this.#o.dir).catch(() => [] as string[])).filter((n) => n.endsWith(".log"));
      const stats = await Promise.all(
        names.map(async (name) => {
          const st = await fs.stat(path.join(this.#o.dir, name)).catch(() => undefined);
          return st?.isFile() ? { name, st } : undefined;
        }),
      );
      const present = stats.filter((s) => s !== undefined).sort((a, b) => a.st.mtimeMs - b.st.mtimeMs);
      for (const { name, st } of present) await this.#check(name, st.ino, st.size);
      for (const name of this.#files.keys()) if (!names.includes(name)) this.#files.delete(name);
    } finally {
      this.#polling = false;
    }
  }

  async #check(name: string, ino: number, size: number): Promise<void> {
    let tracked = this.#files.get(name);
    let from: number;
    if (tracked === undefined) {
      tracked = { ino, pos: 0, terminal: new Terminal(), decoder: new StringDecoder("utf8"), entries: [] };
      this.#files.set(name, tracked);
      from = Math.max(0, size - TAIL_BYTES);
      let text = await this.#read(name, from, size);
      tracked.pos = size;
      // A newly seen file contributes only its last lines (§4.2: last 750).
      if (from > 0) text = text.slice(text.indexOf("\n") + 1);
      const lines = text.split("\n");
      if (lines.length > this.#o.historyLines + 1) text = lines.slice(-(this.#o.historyLines + 1)).join("\n");
      this.#feed(name, tracked, text);
      return;
    }
    if (ino !== tracked.ino || size < tracked.pos) {
      // Replaced or truncated: start over from the beginning.
      tracked.ino = ino;
      tracked.pos = 0;
      tracked.decoder = new StringDecoder("utf8");
      tracked.terminal = new Terminal();
      tracked.entries = [];
    }
    if (size === tracked.pos) return;
    const text = await this.#read(name, tracked.pos, size);
    tracked.pos = size;
    this.#feed(name, tracked, text);
  }

  #feed(file: string, tracked: Tracked, text: string): void {
    if (text === "") return;
    for (const event of tracked.terminal.write(text)) {
      if (event.type === "overwrite_block") this.#rewrite(tracked, event.lines, event.replace);
      else if (event.type === "overwrite") this.#rewrite(tracked, [event.html], 1);
      else this.#rewrite(tracked, [event.html], 0);
      this.emit("message", { ...event, file });
    }
  }

  /** Replace the file's last `replace` history lines by `lines`, in place; extra lines go to the end. */
  #rewrite(tracked: Tracked, lines: readonly string[], replace: number): void {
    const own = tracked.entries;
    const kept = own.splice(Math.max(0, own.length - replace));
    kept.forEach((entry, i) => {
      if (i < lines.length) {
        entry.html = lines[i] as string;
        own.push(entry);
      } else {
        const at = this.#history.indexOf(entry);
        if (at >= 0) this.#history.splice(at, 1);
      }
    });
    for (const html of lines.slice(kept.length)) {
      const entry = { html };
      this.#history.push(entry);
      own.push(entry);
    }
    while (this.#history.length > this.#o.historyLines) this.#history.shift();
    // Entries that fell out of the history are no longer this file's to rewrite.
    if (own.length > this.#o.historyLines) own.splice(0, own.length - this.#o.historyLines);
  }

  async #read(name: string, from: number, to: number): Promise<string> {
    const handle = await fs.open(path.join(this.#o.dir, name), "r").catch(() => undefined);
    if (handle === undefined) return "";
    try {
      const buffer = Buffer.alloc(to - from);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      const tracked = this.#files.get(name);
      return tracked === undefined ? buffer.subarray(0, bytesRead).toString("utf8") : tracked.decoder.write(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }

  async #rotate(): Promise<void> {
    const names = (await fs.readdir(this.#o.dir).catch(() => [] as string[])).filter((n) => n.endsWith(".log"));
    for (const name of names) {
      for (const file of [path.join(this.#o.dir, name), path.join(this.#o.cleanDir, name)]) {
        const st = await fs.stat(file).catch(() => undefined);
        if (st === undefined || st.size <= ROTATE_ABOVE) continue;
        if (
          !(await cutToTail(file, st.size).then(
            () => true,
            () => false,
          ))
        )
          continue;
        // Our own rotation is not new output: continue from the end of the cut file.
        const tracked = file.startsWith(this.#o.dir) ? this.#files.get(name) : undefined;
        const after = tracked && (await fs.stat(file).catch(() => undefined));
        if (tracked && after) {
          tracked.ino = after.ino;
          tracked.pos = after.size;
        }
      }
    }
  }
}

/**
 * Keep the last {@link ROTATE_KEEP} bytes of a file of `size` bytes, in place rather than by replacing
 * the file: a replaced file's writers (`tee -a`) would go on appending to the unlinked old one, and
 * nothing they print would reach the logs again. A line written during the cut may be lost.
 */
async function cutToTail(file: string, size: number): Promise<void> {
  const handle = await fs.open(file, "r+");
  try {
    const buffer = Buffer.alloc(ROTATE_KEEP);
    await handle.read(buffer, 0, ROTATE_KEEP, size - ROTATE_KEEP);
    await handle.truncate(0);
    await handle.write(buffer, 0, ROTATE_KEEP, 0);
  } finally {
    await handle.close();
  }
}
