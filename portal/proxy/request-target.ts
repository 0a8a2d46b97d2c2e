/**
 * The request target as the front sees it: the path and raw query, and
 * whether the path is canonical. Only canonical paths may use the no-auth
 * list, so `/.well-known/acme-challenge/../x` or `%2e%2e` cannot reach a
 * protected path unauthenticated through a backend that normalises.
 * @module
 */

/** A parsed origin-form target. */
export interface RequestTarget {
  /** The raw path, starting with `/`. */
  readonly path: string;
  /** The raw query without `?`, or `undefined` when there is none. */
  readonly query: string | undefined;
  /** False when the path has dot segments, doubled slashes, backslashes or encoded `.`, `/`, `\` or NUL. */
  readonly canonical: boolean;
}

const NON_CANONICAL = /\/\/|\\|%2e|%2f|%5c|%00|(?:^|\/)\.\.?(?:\/|$)/i;
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * Parse `req.url`: origin-form (`/p?q`) or absolute-form (`http://h/p?q`, RFC 9112 §3.2.2).
 * Returns `undefined` for anything else (`*`, authority-form, garbage), which the front answers with 400.
 */
export function parseRequestTarget(url: string): RequestTarget | undefined {
  let rest = url;
  if (rest.charCodeAt(0) !== 47 /* / */) {
    const match = ABSOLUTE_FORM.exec(rest);
    if (match === null) return undefined;
    rest = rest.slice(match[0].length);
    if (rest === "" || rest.charCodeAt(0) === 63 /* ? */) rest = `/${rest}`;
    if (rest.charCodeAt(0) !== 47) return undefined;
  }
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? undefined : rest.slice(q + 1);
  return { path, query, canonical: !NON_CANONICAL.test(path) };
}

/** The values of every `token` parameter in a raw query, decoded, and the query without them. */
export function extractTokenParams(query: string | undefined): { readonly tokens: string[]; readonly rest: string | undefined } {
  if (query === undefined || !query.includes("token")) return { tokens: [], rest: query };
  const tokens: string[] = [];
  const kept: string[] = [];
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (name === "token") tokens.push(safeDecode(eq < 0 ? "" : part.slice(eq + 1)));
    else kept.push(part);
  }
  return { tokens, rest: kept.length === 0 ? undefined : kept.join("&") };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
