/**
 * The entrypoint's error codes. Its errors are the in-container programs' one base error,
 * {@link PortalError}, with a code from this catalogue (style.md rule 8).
 * @module
 */

/** Stable error codes of the entrypoint. */
export const EntrypointErrorCode = {
  configInvalid: "ENTRYPOINT_CONFIG_INVALID",
  stepTimeout: "ENTRYPOINT_STEP_TIMEOUT",
  stepAborted: "ENTRYPOINT_STEP_ABORTED",
  hookFailed: "ENTRYPOINT_HOOK_FAILED",
  supervisorStartFailed: "ENTRYPOINT_SUPERVISOR_START_FAILED",
  provisioningDownloadFailed: "ENTRYPOINT_PROVISIONING_DOWNLOAD_FAILED",
  provisioningFailed: "ENTRYPOINT_PROVISIONING_FAILED",
  provisioningManifestInvalid: "ENTRYPOINT_PROVISIONING_MANIFEST_INVALID",
  tlsFailed: "ENTRYPOINT_TLS_FAILED",
} as const;

/** One of the values of {@link EntrypointErrorCode}. */
export type EntrypointErrorCode = (typeof EntrypointErrorCode)[keyof typeof EntrypointErrorCode];
