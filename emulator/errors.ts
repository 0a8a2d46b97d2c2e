/**
 * The emulator's error catalogue. `EmulatorError` is the one base class; every error carries a
 * stable `code` that tests assert on. `ApiError` is an error that becomes an HTTP answer with the
 * real API's status and body (vast-api.md §5.3), so handlers can `throw` their way out.
 */

/** Base class of every error the emulator raises. */
export class EmulatorError extends Error {
  /** Stable machine-readable code, e.g. `EMU_INVALID_OPTIONS`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmulatorError";
    this.code = code;
  }
}

/** Options given to `startEmulator`, the CLI or an admin route failed validation. */
export class InvalidOptionsError extends EmulatorError {
  /** Dotted paths of the offending fields, e.g. `["rateLimit.GET /x.next"]`. */
  readonly paths: string[];

  constructor(message: string, paths: string[]) {
    super("EMU_INVALID_OPTIONS", message);
    this.name = "InvalidOptionsError";
    this.paths = paths;
  }
}

/** The state file was written by an incompatible emulator version. */
export class StateVersionError extends EmulatorError {
  constructor(path: string, found: number, expected: number) {
    super(
      "EMU_STATE_VERSION",
      `state file ${path} has schema version ${found}, this emulator needs ${expected}; delete the file to start fresh`,
    );
    this.name = "StateVersionError";
  }
}

/** JSON body of an API answer. */
export type JsonBody = Record<string, unknown> | unknown[] | null;

/** An API-level failure rendered as `status` + JSON `body`, exactly as the real service answers. */
export class ApiError extends EmulatorError {
  readonly status: number;
  readonly body: JsonBody;

  constructor(status: number, body: JsonBody) {
    const msg = body !== null && !Array.isArray(body) && typeof body["msg"] === "string" ? body["msg"] : "";
    super("EMU_API_ERROR", `API answered ${status}${msg ? `: ${msg}` : ""}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

/**
 * The usual error envelope (§2.1): `{"success": false, "error": <code>, "msg": <text>}` plus extras
 * such as `ask_id` for create errors.
 */
export function apiError(status: number, error: string, msg: string, extra: Record<string, unknown> = {}): ApiError {
  return new ApiError(status, { success: false, error, msg, ...extra });
}
