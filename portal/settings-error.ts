/**
 * How the in-container programs report a configuration that does not parse: zod's own
 * `prettifyError` (every issue, each followed by "→ at KEY"), and the bad keys as details.
 * @module
 */
import { z } from "zod";
import { PortalError } from "./errors.ts";

/** A {@link PortalError} with `code` for an environment that failed its schema; `details.keys` lists the bad keys. */
export function settingsError<Code extends string>(code: Code, subject: string, error: z.ZodError): PortalError<Code> {
  return new PortalError(code, `invalid ${subject}:\n${z.prettifyError(error)}`, {
    details: { keys: error.issues.map((issue) => issue.path.join(".")) },
  });
}
