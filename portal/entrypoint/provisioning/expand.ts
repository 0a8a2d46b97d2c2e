/**
 * `${VAR}`, `${VAR:-default}` and `${VAR:=default}` in every string of a manifest, as the original
 * provisioner expands them (instance-runtime.md §1.3) before anything runs. `$VAR` without braces is
 * left alone, so shell commands keep their own variables for bash.
 * @module
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:=)((?:[^{}]|\{[^{}]*\})*))?\}/g;

/**
 * Expand one string. `${VAR:=d}` also sets `VAR` in `env` when it is unset or empty, so later
 * references (and commands) see it.
 */
export function expandString(text: string, env: Record<string, string>): string {
  return text.replace(REFERENCE, (_, name: string, op: string | undefined, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (op === undefined) return "";
    const expanded = expandString(fallback ?? "", env);
    if (op === ":=") env[name] = expanded;
    return expanded;
  });
}

/** Expand every string in a JSON-like value (keys are left as written). */
export function expandAll<T>(value: T, env: Record<string, string>): T {
  if (typeof value === "string") return expandString(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => expandAll(v, env)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandAll(v, env)])) as T;
  }
  return value;
}
