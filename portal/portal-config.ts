/**
 * `PORTAL_CONFIG` → `/etc/portal.yaml` (instance-runtime.md §2): the exact
 * five-field grammar, the cache-preferred load, and atomic publication.
 * @module
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { z } from 'zod';
import { PortalError, PortalErrorCode } from './errors.ts';

/** One application entry, shaped as in `/etc/portal.yaml` (§2.2). */
export const PortalApp = z.strictObject({
  hostname: z.string().min(1).regex(/^[^:|\s]+$/, 'must not contain ":", "|" or spaces'),
  external_port: z.number().int().min(1).max(65535),
  internal_port: z.number().int().min(1).max(65535),
  open_path: z.string().regex(/^[^:|]*$/, 'must not contain ":" or "|"'),
  name: z.string().min(1).regex(/^[^|]*$/, 'must not contain "|"'),
});
/** One application entry. */
export type PortalApp = z.infer<typeof PortalApp>;

const PORT_TEXT = /^\d{1,5}$/;

/**
 * Parse `PORTAL_CONFIG` with the grammar of §2.1: entries split on `|`, each on
 * the first four `:` into `hostname:external_port:internal_port:open_path:name`.
 * A duplicate name replaces the earlier entry in its original position
 * (Python dict semantics of the original generator).
 * @throws PortalError `PORTAL_CONFIG_ENTRY_INVALID` naming the first bad entry
 */
export function parsePortalConfig(text: string): PortalApp[] {
  const byName = new Map<string, PortalApp>();
  text.split('|').forEach((entry, index) => {
    const fields = splitMax(entry, ':', 5);
    const where = `PORTAL_CONFIG entry ${index + 1} (${JSON.stringify(entry)})`;
    if (fields.length < 5) {
      throw invalid(`${where} has ${fields.length} of the 5 fields hostname:external_port:internal_port:open_path:name`, index);
    }
    const [hostname, ext, int, openPath, name] = fields as [string, string, string, string, string];
    for (const [label, value] of [['external_port', ext], ['internal_port', int]] as const) {
      if (!PORT_TEXT.test(value.trim())) throw invalid(`${where}: ${label} ${JSON.stringify(value)} is not a port number`, index);
    }
    const parsed = PortalApp.safeParse({
      hostname, external_port: Number(ext.trim()), internal_port: Number(int.trim()), open_path: openPath, name,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(`${where}: ${issue?.path.join('.') ?? 'entry'} ${issue?.message ?? 'is invalid'}`, index);
    }
    byName.set(name, parsed.data);
  });
  return [...byName.values()];
}

/**
 * Format apps back into the `PORTAL_CONFIG` grammar, so a component can build
 * the variable from a list of apps (one source of truth with {@link parsePortalConfig}).
 * @throws PortalError `PORTAL_CONFIG_ENTRY_INVALID` when an app cannot be expressed
 */
export function formatPortalConfig(apps: readonly PortalApp[]): string {
  return apps.map((app, index) => {
    const parsed = PortalApp.safeParse(app);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(`app ${index + 1} (${JSON.stringify(app.name)}): ${issue?.path.join('.') ?? 'entry'} ${issue?.message ?? 'is invalid'}`, index);
    }
    const a = parsed.data;
    return `${a.hostname}:${a.external_port}:${a.internal_port}:${a.open_path}:${a.name}`;
  }).join('|');
}

/** Render apps as the `/etc/portal.yaml` document of §2.2 (block style, insertion order). */
export function renderPortalYaml(apps: readonly PortalApp[]): string {
  const applications: Record<string, PortalApp> = {};
  for (const app of apps) applications[app.name] = app;
  if (apps.length === 0) return 'applications: {}\n';
  return YAML.stringify({ applications }, { indent: 2 });
}

/** The apps of a usable `/etc/portal.yaml`, or the reason it is unusable. */
export type CacheVerdict = { readonly apps: PortalApp[] } | { readonly reason: string };

/** Read and validate a `/etc/portal.yaml` document; `reason` says why it is unusable (§2.2, §11 bug 1). */
export function readPortalYaml(text: string): CacheVerdict {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    return { reason: `YAML error: ${(err as Error).message.split('\n')[0]}` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { reason: 'not a mapping' };
  const applications = (doc as Record<string, unknown>).applications;
  if (applications === null || typeof applications !== 'object' || Array.isArray(applications)) {
    return { reason: 'no applications mapping' };
  }
  const entries = Object.entries(applications);
  if (entries.length === 0) return { reason: 'applications is empty' };
  const apps: PortalApp[] = [];
  for (const [key, value] of entries) {
    const parsed = PortalApp.safeParse(value);
    if (!parsed.success) return { reason: `application ${JSON.stringify(key)} is invalid` };
    apps.push(parsed.data);
  }
  return { apps };
}

/** Options of {@link loadPortalApps}. */
export interface LoadPortalAppsOptions {
  /** Absolute path of the cache file, already under the instance root. */
  readonly yamlPath: string;
  /** The `PORTAL_CONFIG` value, if any. */
  readonly portalConfig?: string | undefined;
  /** Receives one line per decision (why the cache was ignored, write failures). Defaults to nothing. */
  readonly log?: (line: string) => void;
}

/** Result of {@link loadPortalApps}. */
export interface LoadedPortalApps {
  readonly apps: PortalApp[];
  /** `cache`: the existing file; `env`: generated from `PORTAL_CONFIG`; `empty`: nothing configured. */
  readonly source: 'cache' | 'env' | 'empty';
}

/**
 * The cache-preferred load of §2.2: use `/etc/portal.yaml` when it holds a
 * non-empty `applications` mapping, else regenerate it from `PORTAL_CONFIG`
 * and publish atomically. With neither, publish `applications: {}`.
 * A malformed `PORTAL_CONFIG` throws and publishes nothing (§11 bug 4).
 * A failed write is logged and the in-memory apps are still returned.
 */
export async function loadPortalApps(options: LoadPortalAppsOptions): Promise<LoadedPortalApps> {
  const log = options.log ?? (() => {});
  let text: string | undefined;
  try {
    text = await fs.readFile(options.yamlPath, 'utf8');
  } catch (err) {
    log(`portal.yaml: ${options.yamlPath} unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'}), regenerating`);
  }
  if (text !== undefined) {
    const verdict = readPortalYaml(text);
    if ('apps' in verdict) return { apps: verdict.apps, source: 'cache' };
    log(`portal.yaml: ignoring ${options.yamlPath}: ${verdict.reason}`);
  }
  const configured = options.portalConfig !== undefined && options.portalConfig.trim() !== '';
  const apps = configured ? parsePortalConfig(options.portalConfig as string) : [];
  try {
    await writeFileAtomic(options.yamlPath, renderPortalYaml(apps), 0o644);
  } catch (err) {
    log(`portal.yaml: could not write ${options.yamlPath}: ${(err as Error).message}`);
  }
  return { apps, source: configured ? 'env' : 'empty' };
}

/**
 * Write a file atomically: a temp file in the target's directory (after
 * resolving symlinks), the existing file's mode or `defaultMode`, then rename.
 * The mode is set explicitly so a 0600 temp file is never published (§11 bug 3).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, defaultMode: number): Promise<void> {
  let real = target;
  try {
    real = await fs.realpath(target);
  } catch {
    // A missing target is written where it was named.
  }
  let mode = defaultMode;
  try {
    mode = (await fs.stat(real)).mode & 0o7777;
  } catch {
    // No existing file: use the default mode.
  }
  await fs.mkdir(path.dirname(real), { recursive: true });
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, real);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
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

function invalid(message: string, index: number): PortalError {
  return new PortalError(PortalErrorCode.PORTAL_CONFIG_INVALID, message, { details: { entry: index + 1 } });
}
