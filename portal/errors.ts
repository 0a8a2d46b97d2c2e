/**
 * The portal's error catalogue: one base class, stable string codes that tests
 * assert on, and an HTTP status where the error reaches a client (style.md rule 8).
 * Messages never carry a token or password.
 * @module
 */

/** Stable error codes of the portal. */
export const PortalErrorCode = {
  /** The environment does not parse (config.ts); the message lists every key. */
  SETTINGS_INVALID: 'PORTAL_SETTINGS_INVALID',
  /** A `PORTAL_CONFIG` entry or an app does not fit the §2.1 grammar; the message names it. */
  PORTAL_CONFIG_INVALID: 'PORTAL_CONFIG_ENTRY_INVALID',
  /** cloudflared could not start, exited, or announced no URL in time (§5.1). */
  TUNNEL_FAILED: 'PORTAL_TUNNEL_FAILED',
  /** The named tunnel's metrics `/config` is unreachable or unusable (§5.2). */
  TUNNEL_NOT_FOUND: 'PORTAL_TUNNEL_NOT_FOUND',
  /** supervisord's socket does not answer (§7.1). */
  SUPERVISOR_UNAVAILABLE: 'PORTAL_SUPERVISOR_UNAVAILABLE',
  /** supervisord answered with an XML-RPC fault; the message is its faultString. */
  SUPERVISOR_FAULT: 'PORTAL_SUPERVISOR_FAULT',
  /** A stop was asked for a process in the unstoppable set (§4.1). */
  PROCESS_UNSTOPPABLE: 'PORTAL_PROCESS_UNSTOPPABLE',
  /** An API resource does not exist (FastAPI-style 404 detail). */
  NOT_FOUND: 'PORTAL_NOT_FOUND',
  /** A request argument is invalid. */
  BAD_REQUEST: 'PORTAL_BAD_REQUEST',
} as const;

/** One of the values of {@link PortalErrorCode}. */
export type PortalErrorCode = (typeof PortalErrorCode)[keyof typeof PortalErrorCode];

/** Options of {@link PortalError}. */
export interface PortalErrorOptions {
  /** HTTP status to answer with when this error reaches a client. Defaults to 500. */
  readonly status?: number;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Structured context (entry index, key, path); never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one base error of the portal. */
export class PortalError extends Error {
  override readonly name = 'PortalError';
  readonly code: PortalErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: PortalErrorCode, message: string, options: PortalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details ?? {};
  }
}

/** True when `err` is a {@link PortalError} with the given code. */
export function isPortalError(err: unknown, code?: PortalErrorCode): err is PortalError {
  return err instanceof PortalError && (code === undefined || err.code === code);
}
