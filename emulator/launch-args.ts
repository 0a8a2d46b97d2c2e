/**
 * A workergroup's `launch_args` (vast-api-more.md §3.4): `vastai create instance` flags as one
 * string, e.g. `--image img --disk 64 --env '-e A=B'`, turned into the parts of a create body the
 * emulated autoscaler rents with. Words split as a POSIX shell would for quotes; a flag the
 * emulator does not model is refused, so a test never passes on an argument silently dropped.
 */
import { apiError } from "./errors.ts";

/** What `launch_args` adds to a worker's create body. */
export interface LaunchArgs {
  image?: string;
  disk?: number;
  /** The `--env` string (`-e K=V -p 8000:8000`), merged over the template's. */
  env?: string;
  onstart?: string;
}

/** Shell-like word split: single and double quotes group, backslash escapes outside single quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) word = (word ?? "") + text[++i]!;
    else if (/\s/.test(c)) {
      if (word !== null) out.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  if (quote) throw apiError(400, "invalid_args", "launch_args: unbalanced quote");
  if (word !== null) out.push(word);
  return out;
}

/** Parses `launch_args`; null or empty gives nothing to add. */
export function parseLaunchArgs(launchArgs: string | null | undefined): LaunchArgs {
  const parts = words(launchArgs ?? "");
  const result: LaunchArgs = {};
  for (let i = 0; i < parts.length; i += 2) {
    const flag = parts[i]!;
    const value = parts[i + 1];
    if (value === undefined) throw apiError(400, "invalid_args", `launch_args: ${flag} needs a value`);
    if (flag === "--image") result.image = value;
    else if (flag === "--env") result.env = value;
    else if (flag === "--onstart-cmd") result.onstart = value;
    else if (flag === "--disk") {
      const disk = Number(value);
      if (!Number.isFinite(disk)) throw apiError(400, "invalid_args", `launch_args: --disk must be a number, not ${JSON.stringify(value)}`);
      result.disk = disk;
    } else throw apiError(400, "invalid_args", `launch_args: ${flag} is not supported (use --image, --disk, --env or --onstart-cmd)`);
  }
  return result;
}
