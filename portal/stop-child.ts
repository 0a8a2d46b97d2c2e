/**
 * Stopping a child process the one way the portal and its benchmark do it: SIGTERM, a grace
 * period, then SIGKILL.
 * @module
 */
import type { ChildProcess } from "node:child_process";

/** Send SIGTERM, SIGKILL after `graceMs` if it has not exited, and resolve once it exits. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killer);
}
