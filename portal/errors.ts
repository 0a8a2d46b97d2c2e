/**
 * The portal's error catalogue: one base class, stable string codes that tests
 * assert on, and an HTTP status where the error reaches a client (style.md rule 8).
 * Messages never carry a token or password.
 * @module
 */

/** Stable error codes of the portal. */
export const PortalErrorCode = {
  CONFIG_INVALID: 'PORTAL_CONFIG_INVALID',
  PORTAL_CONFIG_INVALID: 'PORTAL_PORTAL_CONFIG_INVALID',
  PORTAL_CONFIG_MISSING: 'PORTAL_PORTAL_CONFIG_MISSING',
  TLS_UNUSABLE: 'PORTAL_TLS_UNUSABLE',
  UPSTREAM_UNAVAILABLE: 'PORTAL_UPSTREAM_UNAVAILABLE',
  TUNNEL_FAILED: 'PORTAL_TUNNEL_FAILED',
  TUNNEL_NOT_FOUND: 'PORTAL_TUNNEL_NOT_FOUND',
  SUPERVISOR_UNAVAILABLE: 'PORTAL_SUPERVISOR_UNAVAILABLE',
  SUPERVISOR_FAULT: 'PORTAL_SUPERVISOR_FAULT',
  PROCESS_UNSTOPPABLE: 'PORTAL_PROCESS_UNSTOPPABLE',
  NOT_FOUND: 'PORTAL_NOT_FOUND',
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
