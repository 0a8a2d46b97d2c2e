/**
 * Every failure of the Vast client is a {@link VastError}. `code` is stable (tests and callers
 * branch on it); the message says what was attempted, against what, and what came back — never
 * the API key.
 */

/** Stable error codes of the Vast client. */
export const VastErrorCode = {
  /** Vast answered with an HTTP error status (after any retries). */
  http: "VAST_HTTP_ERROR",
  /** Vast answered 2xx with `success: false` (vast-api.md §2.1). */
  rejected: "VAST_REJECTED",
  /** The response did not match the documented shape. */
  badResponse: "VAST_BAD_RESPONSE",
  /** No response: connection refused, reset, or timed out. The request may or may not have been processed. */
  network: "VAST_NETWORK_ERROR",
  /** Configuration is missing or invalid (API key, URL). */
  config: "VAST_CONFIG_ERROR",
  /** No offer matched, or every offer tried was gone. */
  noOffer: "VAST_NO_OFFER",
  /** An instance reached a state from which it will not become ready. */
  instanceFailed: "VAST_INSTANCE_FAILED",
  /** An instance did not become ready before its deadline. */
  timeout: "VAST_TIMEOUT",
  /** A create got no answer and Vast could not be asked whether it rented: nothing else was rented. */
  outcomeUnknown: "VAST_OUTCOME_UNKNOWN",
  /** A rent would take the stack's instances over their budget in $/hour: nothing was rented. */
  budgetExceeded: "VAST_BUDGET_EXCEEDED",
  /** An instance was rented but did not become ready; it stays in the stack as a failed create. */
  instanceNotReady: "VAST_INSTANCE_NOT_READY",
  /** A lookup or resource input breaks a rule (a bad filter, no field to look up by); nothing was sent. */
  invalidInput: "VAST_INVALID_INPUT",
  /** The object named by id (e.g. a volume to adopt) is not in the account. */
  notFound: "VAST_NOT_FOUND",
  /** A volume is attached to an instance, and Vast refuses to delete it until that instance is destroyed. */
  volumeInUse: "VAST_VOLUME_IN_USE",
  /** An instance runs but its portal did not answer through its published port before the wait's deadline (`waitForPortal`). */
  portalTimeout: "VAST_PORTAL_TIMEOUT",
  /** `waitForPortal` names a container port the running instance does not publish. */
  portalUnpublished: "VAST_PORTAL_UNPUBLISHED",
} as const;
export type VastErrorCode = (typeof VastErrorCode)[keyof typeof VastErrorCode];

export interface VastErrorDetails {
  /** The client operation, e.g. "create instance on offer 111". */
  operation?: string;
  method?: string;
  /** Request path without the query string (the query may carry filters, never the key). */
  path?: string;
  status?: number;
  /** Vast's snake_case `error` field, e.g. "no_such_ask". */
  vastError?: string;
  /** Vast's human message (`msg`, `message`, `detail`…), capped. */
  vastMessage?: string;
  cause?: unknown;
}

export class VastError extends Error {
  override name = "VastError";
  readonly code: VastErrorCode;
  readonly operation: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;
  readonly vastError: string | undefined;
  readonly vastMessage: string | undefined;

  constructor(code: VastErrorCode, message: string, details: VastErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.operation = details.operation;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.vastError = details.vastError;
    this.vastMessage = details.vastMessage;
  }
}

/**
 * A create that rented an instance which did not become ready. The Pulumi Node host turns an error
 * carrying `id` (with `properties` and `reasons`) into ErrorResourceInitFailed, so the engine keeps
 * the instance in state as partially created (pulumi.md §2.2): these three fields must stay.
 */
export class InstanceNotReadyError extends VastError {
  /** The instance id, as the resource id. */
  readonly id: string;
  /** The outputs recorded for the partially created resource. */
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(message: string, id: string, properties: Record<string, unknown>, cause: Error) {
    super(VastErrorCode.instanceNotReady, message, { cause });
    this.id = id;
    this.properties = properties;
    this.reasons = [cause.message];
  }
}

/** True when Vast says the offer is gone or unknown (vast-api.md §4.6): try the next offer. */
export function isOfferGone(error: unknown): boolean {
  if (!(error instanceof VastError)) return false;
  if (error.status === 404 || error.status === 410) return true;
  return /no_such_ask|not available|already rented/i.test(`${error.vastError ?? ""} ${error.vastMessage ?? ""}`);
}

/** True when the request may have been processed although no answer says so (timeout, reset, 5xx). */
export function isAmbiguous(error: unknown): boolean {
  return error instanceof VastError && (error.code === VastErrorCode.network || (error.status ?? 0) >= 500);
}
