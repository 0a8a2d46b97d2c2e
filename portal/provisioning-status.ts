/**
 * Whether provisioning runs, and how the last run went, for any module that needs to know (the
 * portal's `POST /capabilities/provision`, the capability manifest's `provisioning.status`).
 *
 * The provisioner keeps `/.provisioning_status.json` up to date while it runs: its job id, its pid,
 * `state` (`running`, `complete`, `failed`) and each phase's result. Provisioning counts as
 * running while that file says `running` and its pid is alive; a `running` file whose process is
 * gone was interrupted and reads as failed. Without the file (a PROVISIONING_SCRIPT-only boot),
 * the markers `/.provisioning` (boot still provisioning), `/.provisioning_failed` and
 * `/.provisioning_complete` decide (instance-runtime.md §1.5).
 * @module
 */
import fs from "node:fs/promises";
import { writeFileAtomic } from "./atomic-write.ts";
import { instancePath } from "./paths.ts";

/** Container path of the status file. */
export const PROVISIONING_STATUS_FILE = "/.provisioning_status.json";

/** What the provisioner writes into {@link PROVISIONING_STATUS_FILE}. */
export interface ProvisioningRun {
  /** `boot-<time>` for the boot's run, the job id for a portal request. */
  readonly job: string;
  readonly state: "running" | "complete" | "failed";
  readonly pid: number;
  /** Where the manifest came from (`PROVISIONING_MANIFEST`, a path, a URL without its query, `POST /capabilities/provision`). */
  readonly source: string;
  readonly started_at: string;
  readonly finished_at?: string;
  /** Pipeline attempt (1 + the retries so far). */
  readonly attempt: number;
  /** Each phase's result: `ran`, `skipped (unchanged)`, `nothing to do`, `failed: …`, `not run`, `skipped: no conda …`. */
  readonly phases: Readonly<Record<string, string>>;
  readonly error?: string;
  /** Log of the run's commands. */
  readonly log_file: string;
}

/** The capability manifest's view (§8.10): `none`, `in_progress`, `complete` or `failed`, with the last run when there is one. */
export interface ProvisioningStatus {
  readonly status: "none" | "in_progress" | "complete" | "failed";
  readonly run?: ProvisioningRun;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const present = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

/** Read the provisioning status under `root` (the instance root, `/` in a container). */
export async function readProvisioningStatus(root: string): Promise<ProvisioningStatus> {
  const text = await fs.readFile(instancePath(PROVISIONING_STATUS_FILE, root), "utf8").catch(() => undefined);
  let run: ProvisioningRun | undefined;
  try {
    run = text === undefined ? undefined : (JSON.parse(text) as ProvisioningRun);
  } catch {
    run = undefined;
  }
  if (run !== undefined) {
    if (run.state === "running") return { status: alive(run.pid) ? "in_progress" : "failed", run };
    return { status: run.state, run };
  }
  if (await present(instancePath("/.provisioning", root))) return { status: "in_progress" };
  if (await present(instancePath("/.provisioning_failed", root))) return { status: "failed" };
  if (await present(instancePath("/.provisioning_complete", root))) return { status: "complete" };
  return { status: "none" };
}

/** Replace the status file under `root` (atomically, so a reader never sees half of it). */
export async function writeProvisioningRun(root: string, run: ProvisioningRun): Promise<void> {
  await writeFileAtomic(instancePath(PROVISIONING_STATUS_FILE, root), `${JSON.stringify(run, null, 2)}\n`, 0o644);
}
