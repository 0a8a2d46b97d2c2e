/**
 * A small terminal emulation per log file (instance-runtime.md §4.2): lone
 * `\r` rewrites the current line (progress bars), `\r\n` is a newline, a
 * trailing `\r` waits for the next chunk, `ESC[K`/`ESC[G` clear the line,
 * SGR colours become spans with fixed class names, everything else is
 * stripped, and all text is HTML-escaped. Output never carries markup from the log.
 * @module
 */

/** What a chunk changed: new lines, or a rewrite of the last line of this file. */
export type TerminalEvent = { readonly type: "append" | "overwrite"; readonly html: string };

interface Style {
  fg: string | undefined;
  bg: string | undefined;
  bold: boolean;
  dim: boolean;
}

// CSI sequences, OSC sequences (terminated by BEL or ST), and other two-byte escapes.
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

/** Emulates one file's output stream. */
export class Terminal {
  #line = "";
  #emitted = false;
  #dirty = false;
  #pendingCr = false;
  #carry = "";
  #style: Style = { fg: undefined, bg: undefined, bold: false, dim: false };
  #lineStartStyle: Style = { ...this.#style };

  /** Feed decoded text; returns the events for the log stream. */
  write(chunk: string): TerminalEvent[] {
    const events: TerminalEvent[] = [];
    let text = this.#carry + chunk;
    this.#carry = "";
    if (text.endsWith("\r")) {
      this.#carry = "\r";
      text = text.slice(0, -1);
    }
    let i = 0;
    while (i < text.length) {
      const nl = text.indexOf("\n", i);
      const end = nl < 0 ? text.length : nl;
      let segment = text.slice(i, end);
      if (segment.endsWith("\r") && nl >= 0) segment = segment.slice(0, -1);
      this.#feed(segment);
      if (nl < 0) break;
      this.#finishLine(events);
      i = nl + 1;
    }
    if (this.#dirty) {
      events.push({ type: this.#emitted ? "overwrite" : "append", html: this.#render() });
      this.#emitted = true;
      this.#dirty = false;
    }
    return events;
  }

  #feed(segment: string): void {
    const parts = segment.split("\r");
    parts.forEach((part, index) => {
      if (index > 0) this.#pendingCr = true;
      if (part === "") return;
      if (this.#pendingCr) {
        this.#clearLine();
        this.#pendingCr = false;
      }
      let last = 0;
      ESCAPE.lastIndex = 0;
      for (let m = ESCAPE.exec(part); m !== null; m = ESCAPE.exec(part)) {
        this.#line += part.slice(last, m.index);
        last = m.index + m[0].length;
        const final = m[2];
        // Erase-in-line and cursor-to-column both restart the visible line.
        if (final === "K" || final === "G") this.#clearLine();
        else if (final === "m") this.#line += `\x1b[${m[1] ?? ""}m`;
      }
      this.#line += part.slice(last);
      this.#dirty = true;
    });
  }

  #clearLine(): void {
    this.#render(true);
    this.#line = "";
  }

  #finishLine(events: TerminalEvent[]): void {
    if (this.#dirty || !this.#emitted) {
      events.push({ type: this.#emitted ? "overwrite" : "append", html: this.#render() });
    }
    this.#render(true);
    this.#line = "";
    this.#emitted = false;
    this.#dirty = false;
    this.#pendingCr = false;
  }

  /** Render the current line from the style at its start; with `commit`, keep the style at its end. */
  #render(commit = false): string {
    const style = { ...this.#lineStartStyle };
    let html = "";
    const flush = (text: string) => {
      if (text === "") return;
      const cls = classes(style);
      const escaped = escapeHtml(text.replace(CONTROL, ""));
      html += cls === "" ? escaped : `<span class="${cls}">${escaped}</span>`;
    };
    let last = 0;
    const sgr = /\x1b\[([0-9;]*)m/g;
    for (let m = sgr.exec(this.#line); m !== null; m = sgr.exec(this.#line)) {
      flush(this.#line.slice(last, m.index));
      applySgr(style, m[1] ?? "");
      last = m.index + m[0].length;
    }
    flush(this.#line.slice(last));
    if (commit) this.#lineStartStyle = style;
    this.#style = style;
    return html;
  }
}

function applySgr(style: Style, params: string): void {
  const codes = params === "" ? [0] : params.split(";").map((p) => Number(p) || 0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c === 0) Object.assign(style, { fg: undefined, bg: undefined, bold: false, dim: false });
    else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 22) style.bold = style.dim = false;
    else if (c >= 30 && c <= 37) style.fg = `f${c - 30}`;
    else if (c >= 90 && c <= 97) style.fg = `f${c - 90 + 8}`;
    else if (c === 39) style.fg = undefined;
    else if (c >= 40 && c <= 47) style.bg = `b${c - 40}`;
    else if (c >= 100 && c <= 107) style.bg = `b${c - 100 + 8}`;
    else if (c === 49) style.bg = undefined;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      // 256-colour: map the 16 base colours to classes and drop the rest (no inline styles from logs).
      const n = codes[i + 2] ?? 0;
      if (n < 16) style[c === 38 ? "fg" : "bg"] = `${c === 38 ? "f" : "b"}${n}`;
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      i += 4;
    }
  }
}

function classes(style: Style): string {
  const out: string[] = [];
  if (style.fg !== undefined) out.push(`a-${style.fg}`);
  if (style.bg !== undefined) out.push(`a-${style.bg}`);
  if (style.bold) out.push("a-bold");
  if (style.dim) out.push("a-dim");
  return out.join(" ");
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}
