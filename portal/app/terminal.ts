/**
 * A small terminal emulation per log file (instance-runtime.md §4.2). The
 * file's output is kept as a window of screen rows with a cursor:
 * lone `\r` returns to column 0 (`\r\n` is a newline; a trailing `\r` waits for
 * the next chunk), CSI `A`/`F` move up, `B`/`E` down, `G` to column 0, `K`
 * erases the line, `J` the rows below, SGR colours become spans with fixed
 * class names, ESC 7 / ESC 8 save and restore the cursor, everything else is
 * stripped, and all text is HTML-escaped.
 *
 * Columns are not tracked: text written at column 0 replaces the row, as the
 * progress bars of tqdm, pip, apt and docker do (they redraw whole rows). After
 * each chunk the rows the client holds are compared with the new ones and the
 * difference is sent as new lines (`append`), a rewrite of the last line
 * (`overwrite`), or, when a cursor-up rewrote earlier rows, a rewrite of the
 * file's last `replace` lines in place (`overwrite_block`), so a multi-line
 * progress block is redrawn where it stands instead of being appended again
 * (§11: the original appended such blocks line by line). Output never carries
 * markup from the log.
 * @module
 */

/** What a chunk changed in this file's lines as the client shows them. */
export type TerminalEvent =
  | { readonly type: "append" | "overwrite"; readonly html: string }
  | {
      readonly type: "overwrite_block";
      /** The new lines, oldest first. */
      readonly lines: readonly string[];
      /** How many of this file's most recent lines they replace (the rest are new). */
      readonly replace: number;
    };

interface Style {
  fg: string | undefined;
  bg: string | undefined;
  bold: boolean;
  dim: boolean;
}

// CSI sequences, OSC sequences (terminated by BEL or ST), charset designations, and other two-byte
// escapes (ESC 7 / ESC 8 save and restore the cursor).
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][\x20-\x7e]|\x1b[\x20-\x7e]/g;
// Control characters left in a row's text once its SGR sequences are taken out (a stray ESC included).
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
// An escape sequence cut by the end of a chunk: kept for the next one.
const PARTIAL_ESCAPE = /\x1b(?:\[[0-9;?]*)?$/;
/** Cursor moves further than this are clamped (a corrupt log must not allocate rows without bound). */
const MAX_MOVE = 500;
/** Rows kept once the window grows past {@link WINDOW_HIGH}: enough for any progress block. */
const WINDOW_KEEP = 200;
const WINDOW_HIGH = 400;
const PLAIN: Style = { fg: undefined, bg: undefined, bold: false, dim: false };

/** Emulates one file's output stream. */
export class Terminal {
  /** Screen rows of raw text (SGR sequences kept, other escapes removed). */
  #rows: string[] = [""];
  /** Style in effect at the start of each row (valid up to the first changed row). */
  #rowStyle: Style[] = [{ ...PLAIN }];
  #row = 0;
  /** The cursor is at column 0 of its row: the next text replaces the row. */
  #col0 = false;
  #carry = "";
  /** How many rows, from the window's start, the client shows. */
  #shown = 0;
  /** First row changed since the last emission. */
  #dirty = Infinity;
  /** The cursor saved by ESC 7 / CSI s. */
  #saved: { row: number; col0: boolean } | undefined;
  /**
   * After an absolute cursor move while a cursor is saved (apt's fancy progress: save, jump to the
   * screen's last row, draw, restore): the screen position is unknown, so what is drawn there is
   * not part of the log's flow and is dropped until the restore (or a newline).
   */
  #detached = false;

  /** Feed decoded text; returns the events for the log stream. */
  write(chunk: string): TerminalEvent[] {
    let text = this.#carry + chunk;
    this.#carry = "";
    const partial = PARTIAL_ESCAPE.exec(text);
    if (partial !== null) {
      this.#carry = partial[0];
      text = text.slice(0, partial.index);
    } else if (text.endsWith("\r")) {
      this.#carry = "\r";
      text = text.slice(0, -1);
    }
    let last = 0;
    ESCAPE.lastIndex = 0;
    for (let m = ESCAPE.exec(text); m !== null; m = ESCAPE.exec(text)) {
      this.#text(text.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[2] !== undefined) this.#csi(m[1] ?? "", m[2]);
      else if (m[0] === "\x1b7") this.#save();
      else if (m[0] === "\x1b8") this.#restore();
    }
    this.#text(text.slice(last));
    return this.#emit();
  }

  /** Plain text with `\r` and `\n`. */
  #text(text: string): void {
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === "\n" && this.#detached) {
        this.#detached = false;
        i++;
      } else if (c === "\n") {
        this.#moveTo(this.#row + 1);
        this.#col0 = true;
        i++;
      } else if (c === "\r") {
        // `\r\n` is a plain newline; a lone `\r` returns to column 0.
        if (text[i + 1] !== "\n") this.#col0 = true;
        i++;
      } else {
        let end = i;
        while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
        this.#put(text.slice(i, end));
        i = end;
      }
    }
  }

  #put(text: string): void {
    if (text === "" || this.#detached) return;
    if (this.#col0) this.#clearRow();
    this.#col0 = false;
    this.#setRow(this.#rows[this.#row] + text);
  }

  /** Blank the cursor's row; its colours stay in effect, as a terminal's pen does. */
  #clearRow(): void {
    this.#setRow(sgrTail(this.#rows[this.#row] ?? ""));
  }

  #save(): void {
    this.#saved = { row: this.#row, col0: this.#col0 };
  }

  #restore(): void {
    this.#detached = false;
    if (this.#saved === undefined) return;
    this.#row = Math.min(this.#saved.row, this.#rows.length - 1);
    this.#col0 = this.#saved.col0;
  }

  #csi(params: string, final: string): void {
    if (params.startsWith("?")) return; // DEC private modes (cursor show/hide, …)
    if (this.#detached && final !== "u") return;
    const n = Math.min(MAX_MOVE, Math.max(1, Number.parseInt(params, 10) || 1));
    const p = Number.parseInt(params, 10) || 0;
    switch (final) {
      case "m":
        this.#setRow(this.#rows[this.#row] + `\x1b[${params}m`);
        break;
      case "A":
      case "F":
        this.#row = Math.max(0, this.#row - n);
        if (final === "F") this.#col0 = true;
        break;
      case "B":
      case "E":
        this.#moveTo(this.#row + n);
        if (final === "E") this.#col0 = true;
        break;
      case "G":
        this.#col0 = true;
        break;
      case "H":
      case "f":
        // Without a saved cursor an absolute move is taken as a return to column 0 of the current row.
        if (this.#saved !== undefined) this.#detached = true;
        else this.#col0 = true;
        break;
      case "s":
        this.#save();
        break;
      case "u":
        this.#restore();
        break;
      case "K":
        // Erase to the end of the line only matters at column 0; 1 and 2 erase the visible text.
        if (p !== 0 || this.#col0) this.#clearRow();
        break;
      case "J":
        if (p === 0 || p === 2) {
          if (p === 2 || this.#col0) this.#clearRow();
          if (this.#rows.length > this.#row + 1) {
            this.#rows.length = this.#row + 1;
            this.#rowStyle.length = Math.min(this.#rowStyle.length, this.#row + 1);
            this.#dirty = Math.min(this.#dirty, this.#row + 1);
          }
        }
        break;
      default:
        break; // Other CSI sequences have no visible effect here.
    }
  }

  #moveTo(row: number): void {
    while (this.#rows.length <= row) this.#rows.push("");
    this.#row = row;
  }

  #setRow(text: string): void {
    if (this.#rows[this.#row] === text) return;
    this.#rows[this.#row] = text;
    this.#dirty = Math.min(this.#dirty, this.#row);
  }

  /** Compare what the client shows with the rows now and say what changed. */
  #emit(): TerminalEvent[] {
    const rows = this.#rows;
    // The last row is open (no newline after it yet): it shows only once it has text.
    const visible = rows.length - 1 + (rows[rows.length - 1] === "" ? 0 : 1);
    const first = Math.min(this.#dirty, this.#shown);
    const shown = this.#shown;
    this.#dirty = Infinity;
    this.#shown = visible;
    const events: TerminalEvent[] = [];
    if (first >= visible && visible >= shown) {
      // Nothing the client shows changed.
    } else if (first >= shown - 1 && visible >= shown) {
      const html = this.#render(first, visible);
      html.forEach((line, i) => events.push({ type: first + i < shown ? "overwrite" : "append", html: line }));
    } else {
      events.push({ type: "overwrite_block", lines: this.#render(first, visible), replace: shown - first });
    }
    this.#trim();
    return events;
  }

  /** HTML of rows `from` to `to` (exclusive), with the colours carried over from the rows above. */
  #render(from: number, to: number): string[] {
    // Recompute the style at the start of each row from the first one whose predecessor is known.
    const start = Math.min(from, this.#rowStyle.length - 1);
    const out: string[] = [];
    let style = { ...(this.#rowStyle[start] as Style) };
    for (let r = start; r < to; r++) {
      this.#rowStyle[r] = { ...style };
      const html = renderRow(this.#rows[r] ?? "", style);
      if (r >= from) out.push(html);
    }
    this.#rowStyle.length = Math.min(this.#rowStyle.length, to);
    this.#rowStyle[to] = { ...style };
    return out;
  }

  /** Drop old rows the client already has, keeping enough above the cursor for any cursor-up. */
  #trim(): void {
    if (this.#rows.length <= WINDOW_HIGH) return;
    const drop = Math.min(this.#rows.length - WINDOW_KEEP, this.#row, this.#shown, this.#rowStyle.length - 1);
    if (drop <= 0) return;
    this.#rows.splice(0, drop);
    this.#rowStyle.splice(0, drop);
    this.#row -= drop;
    this.#shown -= drop;
    if (this.#saved !== undefined) this.#saved.row = Math.max(0, this.#saved.row - drop);
  }
}

/** Render one row from `style` (updated in place to the style at its end). */
function renderRow(row: string, style: Style): string {
  let html = "";
  const flush = (text: string) => {
    if (text === "") return;
    const cls = classes(style);
    const escaped = escapeHtml(text.replace(CONTROL, ""));
    html += cls === "" ? escaped : `<span class="${cls}">${escaped}</span>`;
  };
  let last = 0;
  const sgr = /\x1b\[([0-9;]*)m/g;
  for (let m = sgr.exec(row); m !== null; m = sgr.exec(row)) {
    flush(row.slice(last, m.index));
    applySgr(style, m[1] ?? "");
    last = m.index + m[0].length;
  }
  flush(row.slice(last));
  return html;
}

/**
 * The SGR sequences of a row that still matter once its text is gone: those
 * after its last full reset, as one sequence (so rewriting a coloured progress
 * row many times does not grow it).
 */
function sgrTail(row: string): string {
  const codes: string[] = [];
  for (const m of row.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const params = m[1] === "" ? ["0"] : (m[1] ?? "").split(";");
    for (let i = 0; i < params.length; i++) {
      const c = Number(params[i]) || 0;
      const width = (c === 38 || c === 48) && params[i + 1] === "5" ? 3 : (c === 38 || c === 48) && params[i + 1] === "2" ? 5 : 1;
      if (c === 0) codes.length = 0;
      else codes.push(...params.slice(i, i + width));
      i += width - 1;
    }
  }
  return codes.length === 0 ? "" : `\x1b[${codes.slice(-32).join(";")}m`;
}

function applySgr(style: Style, params: string): void {
  const codes = params === "" ? [0] : params.split(";").map((p) => Number(p) || 0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c === 0) Object.assign(style, PLAIN);
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
