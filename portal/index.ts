/**
 * The instance portal's public surface (issue 5). The entrypoint imports the
 * path, TLS and PORTAL_CONFIG helpers from here; `server.ts` runs the portal.
 * @module
 */
export { InstancePaths, instancePath, instanceRoot, resolveInstancePaths } from './paths.ts';
export type { InstancePathName } from './paths.ts';
export { checkCertificateFiles, checkCertificatePair, ensureCertificatePair, generateSelfSignedPair } from './tls.ts';
export type { CertificatePair, CertificateVerdict, EnsureCertificateOptions, EnsuredCertificate, SelfSignedOptions } from './tls.ts';
export { PortalApp, formatPortalConfig, loadPortalApps, parsePortalConfig, readPortalYaml, renderPortalYaml, writeFileAtomic } from './portal-config.ts';
export type { LoadPortalAppsOptions, LoadedPortalApps } from './portal-config.ts';
export { loadSettings } from './config.ts';
export type { AuthSettings, PortalSettings } from './config.ts';
export { PortalError, PortalErrorCode, isPortalError } from './errors.ts';
export { Authenticator } from './auth.ts';
export { FailureLimiter } from './rate-limit.ts';
export { createFront } from './proxy/front.ts';
export type { Front, FrontOptions } from './proxy/front.ts';
export { createPortalApp } from './app/portal-app.ts';
export { startPortal } from './server.ts';
export type { PortalHandle, StartPortalOptions } from './server.ts';
export { openFronts } from './fronts.ts';
export type { FrontInfo, FrontSetup, FrontSpec, OpenFronts } from './fronts.ts';
