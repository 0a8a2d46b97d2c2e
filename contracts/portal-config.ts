/**
 * The `PORTAL_CONFIG` contract between the components that publish a template and the portal that
 * reads it inside the instance (instance-runtime.md §2.1): one app per entry,
 * `hostname:external_port:internal_port:open_path:name`, entries joined by `|`.
 * The grammar only: no files, no portal code; zod is its one import, so the published package can
 * ship it to team repositories.
 * @module
 */
import { z } from "zod";

/** Characters that break the shell and env strings `PORTAL_CONFIG` travels in (`|` and `:` are the grammar's, in {@link PortalApp}). */
const UNSAFE = /["'\\$`\n\r]/;
const UNSAFE_MESSAGE = 'must not contain a quote, "\\", "$", a backtick or a line break';

/** One application entry, shaped as in `/etc/portal.yaml` (§2.2): what the grammar can carry. */
export const PortalApp = z.strictObject({
  hostname: z
    .string()
    .min(1)
    .regex(/^[^:|\s]+$/, 'must not contain ":", "|" or spaces'),
  external_port: z.number().int().min(1).max(65535),
  internal_port: z.number().int().min(1).max(65535),
  open_path: z.string().regex(/^[^:|]*$/, 'must not contain ":" or "|"'),
  name: z
    .string()
    .min(1)
    .regex(/^[^|]*$/, 'must not contain "|"'),
});
/** One application entry. */
export type PortalApp = z.infer<typeof PortalApp>;

/**
 * An app list a component may publish: stricter than what {@link parsePortalConfig} accepts from an
 * existing template. Names carry no `:` (the grammar allows it only in the last field, and a reader
 * splitting on every `:` would break it), no field carries characters that break a shell or env
 * string, and no two apps are proxied on one external port (the portal would keep only the first).
 * Link-only apps (external port = internal port, as "Jupyter Terminal") may share a port.
 */
export const PortalApps = z.array(PortalApp).superRefine((apps, ctx) => {
  const proxiedBy = new Map<number, string>();
  const names = new Set<string>();
  apps.forEach((app, index) => {
    const problem = (field: keyof PortalApp, message: string) => ctx.addIssue({ code: "custom", message, path: [index, field] });
    for (const field of ["hostname", "open_path", "name"] as const) {
      if (UNSAFE.test(app[field])) problem(field, UNSAFE_MESSAGE);
    }
    if (app.name.includes(":")) problem("name", 'must not contain ":"');
    if (names.has(app.name)) problem("name", "is taken by another app");
    names.add(app.name);
    if (app.external_port === app.internal_port) return;
    const taken = proxiedBy.get(app.external_port);
    if (taken !== undefined) problem("external_port", `${app.external_port} is already proxied for ${JSON.stringify(taken)}`);
    else proxiedBy.set(app.external_port, app.name);
  });
});

/**
 * What is wrong with `apps` as a published list, one line per problem naming the app and the field
 * (`app "Jupyter": name must not contain ":"`); empty when fine.
 */
export function checkPortalApps(apps: readonly PortalApp[]): string[] {
  const parsed = PortalApps.safeParse(apps);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const [index, field] = issue.path;
    const app = typeof index === "number" ? `app ${JSON.stringify(apps[index]?.name)}: ` : "";
    return `${app}${field === undefined ? "" : `${String(field)} `}${issue.message}`;
  });
}

/** Stable code of {@link PortalConfigError}. */
export const PortalConfigErrorCode = { invalid: "PORTAL_CONFIG_INVALID" } as const;

/** A `PORTAL_CONFIG` entry or an app does not fit the grammar; the message names it. */
export class PortalConfigError extends Error {
  override readonly name = "PortalConfigError";
  readonly code = PortalConfigErrorCode.invalid;
  /** 1-based position of the offending entry or app. */
  readonly entry: number;

  constructor(message: string, entry: number) {
    super(message);
    this.entry = entry;
  }
}

const PORT_TEXT = /^\d{1,5}$/;

/**
 * Parse `PORTAL_CONFIG` with the grammar of §2.1: entries split on `|`, each on the first four `:`
 * into `hostname:external_port:internal_port:open_path:name`. A duplicate name replaces the earlier
 * entry in its original position (Python dict semantics of the original generator).
 * @throws {PortalConfigError} naming the first bad entry
 */
export function parsePortalConfig(text: string): PortalApp[] {
  const byName = new Map<string, PortalApp>();
  text.split("|").forEach((entry, index) => {
    const fields = splitMax(entry, ":", 5);
    const where = `PORTAL_CONFIG entry ${index + 1} (${JSON.stringify(entry)})`;
    if (fields.length < 5) {
      throw new PortalConfigError(
        `${where} has ${fields.length} of the 5 fields hostname:external_port:internal_port:open_path:name`,
        index + 1,
      );
    }
    const [hostname, ext, int, openPath, name] = fields as [string, string, string, string, string];
    for (const [label, value] of [
      ["external_port", ext],
      ["internal_port", int],
    ] as const) {
      if (!PORT_TEXT.test(value.trim()))
        throw new PortalConfigError(`${where}: ${label} ${JSON.stringify(value)} is not a port number`, index + 1);
    }
    const app = { hostname, external_port: Number(ext.trim()), internal_port: Number(int.trim()), open_path: openPath, name };
    byName.set(name, checkedApp(app, where, index));
  });
  return [...byName.values()];
}

/**
 * Format apps back into the `PORTAL_CONFIG` grammar (the inverse of {@link parsePortalConfig}).
 * It checks only what the grammar can carry; a component publishing apps checks them with
 * {@link checkPortalApps} first.
 * @throws {PortalConfigError} when an app cannot be expressed
 */
export function formatPortalConfig(apps: readonly PortalApp[]): string {
  return apps
    .map((app, index) => {
      const a = checkedApp(app, `app ${index + 1} (${JSON.stringify(app.name)})`, index);
      return `${a.hostname}:${a.external_port}:${a.internal_port}:${a.open_path}:${a.name}`;
    })
    .join("|");
}

function checkedApp(app: unknown, where: string, index: number): PortalApp {
  const parsed = PortalApp.safeParse(app);
  if (!parsed.success) throw new PortalConfigError(`${where}:\n${z.prettifyError(parsed.error)}`, index + 1);
  return parsed.data;
}

function splitMax(text: string, separator: string, maxFields: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < maxFields - 1) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + separator.length);
  }
  parts.push(rest);
  return parts;
}
