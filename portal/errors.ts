/**
 * The one base error of the in-container programs, the portal and the entrypoint (style.md rule 8):
 * a stable string code that tests assert on, structured details, and an HTTP status where the
 * error reaches a client. Each program keeps its own code catalogue (this file's
 * {@link PortalErrorCode}, `entrypoint/errors.ts`). Messages never carry a token or password.
 * @module
 */

/** Stable error codes of the portal. */
export const PortalErrorCode = {
  /** The environment does not parse (config.ts); the message lists every key. */
  settingsInvalid: "PORTAL_SETTINGS_INVALID",
  /** cloudflared could not start, exited, or announced no URL in time (§5.1). */
  tunnelFailed: "PORTAL_TUNNEL_FAILED",
  /** The named tunnel's metrics `/config` is unreachable or unusable (§5.2). */
  tunnelNotFound: "PORTAL_TUNNEL_NOT_FOUND",
  /** supervisord's socket does not answer (§7.1). */
  supervisorUnavailable: "PORTAL_SUPERVISOR_UNAVAILABLE",
  /** supervisord answered with an XML-RPC fault; the message is its faultString. */
  supervisorFault: "PORTAL_SUPERVISOR_FAULT",
  /** A stop was asked for a process in the unstoppable set (§4.1). */
  processUnstoppable: "PORTAL_PROCESS_UNSTOPPABLE",
  /** An API resource does not exist (FastAPI-style 404 detail). */
  notFound: "PORTAL_NOT_FOUND",
  /** A request argument is invalid. */
  badRequest: "PORTAL_BAD_REQUEST",
  /** The Vast API refused or did not answer the instance's stop or destroy of itself (vast-self.ts). */
  selfActionFailed: "PORTAL_SELF_ACTION_FAILED",
  /** A state-changing request that may come from another site (autostop/routes.ts). */
  crossSite: "PORTAL_CROSS_SITE",
} as const;

/** One of the values of {@link PortalErrorCode}. */
export type PortalErrorCode = (typeof PortalErrorCode)[keyof typeof PortalErrorCode];

/** Options of {@link PortalError}. */
export interface PortalErrorOptions {
  /** HTTP status to answer with when this error reaches a client. Defaults to 500. */
  readonly status?: number;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Structured context (entry index, key, path, step, exit code); never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one base error of the in-container programs; `Code` is the catalogue its code comes from. */
export class PortalError<Code extends string = PortalErrorCode> extends Error {
  override readonly name = "PortalError";
  readonly code: Code;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: Code, message: string, options: PortalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details ?? {};
  }
}

/** True when `err` is a {@link PortalError} with the given code (any code when omitted). */
export function isPortalError<Code extends string>(err: unknown, code?: Code): err is PortalError<Code> {
  return err instanceof PortalError && (code === undefined || err.code === code);
}
