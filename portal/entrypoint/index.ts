/**
 * The container entrypoint (`node main.js boot`): the boot steps of instance-runtime.md §1, then a
 * wait on supervisord. Public surface for main.ts and tests.
 * @module
 */
export { BUILTIN_STEPS, runBoot } from './boot.ts';
export type { RunBootOptions } from './boot.ts';
export { parseBootFlags, readBootSettings } from './config.ts';
export type { BootFlags, BootSettings } from './config.ts';
export type { BootContext, BootFailure } from './context.ts';
export { EntrypointError, EntrypointErrorCode, isEntrypointError } from './errors.ts';
export { BOOT_FAILURES_PATH, runStep } from './step.ts';
export type { BootStep, StepOutcome } from './step.ts';
export { adjustPortalConfig } from './steps/jupyter-mode.ts';
export { renderEnvironmentFile } from './steps/environment.ts';
