/**
 * Boot log: one line per event, to stdout (the container log) and appended to
 * /var/log/portal/boot.log (the portal's logs tab shows every *.log there).
 * @module
 */
import fs from "node:fs";
import path from "node:path";

/** The entrypoint's logger. */
export interface BootLog {
  info(message: string): void;
  warn(message: string): void;
  /** Also written to stderr, so a failure is visible in `docker logs` even with stdout filtered. */
  error(message: string): void;
}

/** Options of {@link createBootLog}. */
export interface BootLogOptions {
  /** File to append to (created with its directory). Undefined logs to the streams only. */
  readonly file?: string | undefined;
  /** Defaults to process.stdout. */
  readonly out?: NodeJS.WritableStream;
  /** Defaults to process.stderr. */
  readonly err?: NodeJS.WritableStream;
  /** Clock for the timestamps. Defaults to now. */
  readonly now?: () => Date;
}

/** A {@link BootLog} writing `[boot] <iso time> <LEVEL> <message>` lines. */
export function createBootLog(options: BootLogOptions = {}): BootLog {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const now = options.now ?? (() => new Date());
  let fileOk = options.file !== undefined;
  const write = (level: string, message: string, toErr: boolean) => {
    const line = `[boot] ${now().toISOString()} ${level} ${message}\n`;
    (toErr ? err : out).write(line);
    if (fileOk && options.file !== undefined) {
      try {
        fs.mkdirSync(path.dirname(options.file), { recursive: true });
        fs.appendFileSync(options.file, line);
      } catch {
        // A read-only or missing log directory must not stop the boot; the streams still have it.
        fileOk = false;
      }
    }
  };
  return {
    info: (m) => write("INFO", m, false),
    warn: (m) => write("WARN", m, false),
    error: (m) => write("ERROR", m, true),
  };
}
