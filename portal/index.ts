/**
 * What the entrypoint (portal/entrypoint/, a program of its own) uses of the portal's code: the
 * instance paths, the certificate pair, the `/etc/portal.yaml` load, atomic writes and the one
 * base error. The entrypoint imports portal code through this file only.
 * @module
 */
export { instancePath, instanceRoot } from "./paths.ts";
export { checkCertificateFiles, ensureCertificatePair } from "./tls.ts";
export { loadPortalApps } from "./portal-yaml.ts";
export { writeFileAtomic } from "./atomic-write.ts";
export { PortalError, isPortalError } from "./errors.ts";
export { settingsError } from "./settings-error.ts";
export { actOnSelf } from "./vast-self.ts";
export { readProvisioningStatus, writeProvisioningRun, PROVISIONING_STATUS_FILE } from "./provisioning-status.ts";
export type { ProvisioningRun, ProvisioningStatus } from "./provisioning-status.ts";
