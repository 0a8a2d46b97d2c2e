/**
 * The entrypoint's error catalogue: one base class with stable string codes that tests assert on
 * (style.md rule 8). Messages say what was attempted and what came back, never a token.
 * @module
 */

/** Stable error codes of the entrypoint. */
export const EntrypointErrorCode = {
  CONFIG_INVALID: 'ENTRYPOINT_CONFIG_INVALID',
  STEP_TIMEOUT: 'ENTRYPOINT_STEP_TIMEOUT',
  STEP_ABORTED: 'ENTRYPOINT_STEP_ABORTED',
  HOOK_FAILED: 'ENTRYPOINT_HOOK_FAILED',
  SUPERVISOR_START_FAILED: 'ENTRYPOINT_SUPERVISOR_START_FAILED',
  PROVISIONING_DOWNLOAD_FAILED: 'ENTRYPOINT_PROVISIONING_DOWNLOAD_FAILED',
  PROVISIONING_FAILED: 'ENTRYPOINT_PROVISIONING_FAILED',
  TLS_FAILED: 'ENTRYPOINT_TLS_FAILED',
} as const;

/** One of the values of {@link EntrypointErrorCode}. */
export type EntrypointErrorCode = (typeof EntrypointErrorCode)[keyof typeof EntrypointErrorCode];

/** Options of {@link EntrypointError}. */
export interface EntrypointErrorOptions {
  /** The underlying error. */
  readonly cause?: unknown;
  /** Structured context (step, path, exit code, status); never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one base error of the entrypoint. */
export class EntrypointError extends Error {
  override readonly name = 'EntrypointError';
  readonly code: EntrypointErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: EntrypointErrorCode, message: string, options: EntrypointErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `err` is an {@link EntrypointError} with the given code. */
export function isEntrypointError(err: unknown, code?: EntrypointErrorCode): err is EntrypointError {
  return err instanceof EntrypointError && (code === undefined || err.code === code);
}
