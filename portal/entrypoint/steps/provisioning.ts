/**
 * Step `provisioning`: run the provisioning manifest (PROVISIONING_MANIFEST or /provisioning.yaml;
 * portal/entrypoint/provisioning/) on every boot, its unchanged phases skipped by hash; then
 * download PROVISIONING_SCRIPT (a URL, or an absolute container path) to
 * /provisioning.sh and run it once, after supervisord is up, with its output appended to
 * /var/log/portal/provisioning.log (instance-runtime.md §1.2 stage 75, §1.3 [history]).
 * Success leaves /.provisioning_complete and the script is not run again; failure leaves
 * /.provisioning_failed, says so in the log the portal shows, and leaves the services running.
 * @module
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { hostPath } from "../context.ts";
import type { BootContext } from "../context.ts";
import { PortalError } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";
import type { BootStep } from "../step.ts";
import { readProvisionerSettings } from "../provisioning/config.ts";
import { PROVISIONING_LOG, runManifest } from "../provisioning/runner.ts";
import { manifestSource } from "../provisioning/source.ts";
import type { ManifestSource } from "../provisioning/source.ts";

export { PROVISIONING_LOG } from "../provisioning/runner.ts";
export const PROVISIONING_COMPLETE = "/.provisioning_complete";
export const PROVISIONING_FAILED = "/.provisioning_failed";
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Fetch the script text. Any non-2xx answer is a failure (the original's `curl` without `-f` ran HTML error pages). */
export async function fetchProvisioningScript(ctx: BootContext, source: string, signal: AbortSignal): Promise<string> {
  if (source.startsWith("/")) return fs.readFile(hostPath(ctx, source), "utf8");
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new PortalError(EntrypointErrorCode.provisioningDownloadFailed, "PROVISIONING_SCRIPT is neither a URL nor an absolute path");
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]), redirect: "follow" });
  } catch (err) {
    throw new PortalError(
      EntrypointErrorCode.provisioningDownloadFailed,
      `GET ${url.origin}${url.pathname} failed: ${(err as Error).message}`,
      {
        cause: err,
        details: { url: `${url.origin}${url.pathname}` },
      },
    );
  }
  const body = await response.text();
  if (!response.ok) {
    throw new PortalError(
      EntrypointErrorCode.provisioningDownloadFailed,
      `GET ${url.origin}${url.pathname} answered ${response.status}: ${body.slice(0, 200)}`,
      {
        details: { url: `${url.origin}${url.pathname}`, status: response.status },
      },
    );
  }
  return body;
}

/** Run `script` with bash, appending its output to `logFile` and to stdout; resolves with the exit status. */
function runScript(ctx: BootContext, script: string, cwd: string, logFile: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout or shutdown stops everything the script started.
    const child = spawn("bash", [script], { cwd, env: ctx.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const kill = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    };
    signal.addEventListener("abort", kill, { once: true });
    const sink = (chunk: Buffer) => {
      process.stdout.write(chunk);
      void fs.appendFile(logFile, chunk).catch(() => {});
    };
    child.stdout.on("data", sink);
    child.stderr.on("data", sink);
    child.once("error", reject);
    child.once("close", (code, sig) => {
      signal.removeEventListener("abort", kill);
      resolve(code ?? (sig !== null ? 128 : 1));
    });
  });
}

async function note(logFile: string, line: string): Promise<void> {
  await fs.appendFile(logFile, `${line}\n`).catch(() => {});
}

/** Run the manifest, if there is one; resolves with an error when it failed. */
async function runBootManifest(ctx: BootContext, signal: AbortSignal): Promise<PortalError<EntrypointErrorCode> | undefined | "none"> {
  let source: ManifestSource | undefined;
  try {
    source = await manifestSource(readProvisionerSettings(ctx.env), ctx.root, ctx.env);
  } catch (err) {
    return new PortalError(EntrypointErrorCode.provisioningFailed, (err as Error).message, { cause: err });
  }
  if (source === undefined) return "none";
  const outcome = await runManifest({
    root: ctx.root,
    env: ctx.env,
    source,
    job: `boot-${new Date().toISOString()}`,
    sink: ctx.log,
    signal,
  });
  if (outcome.ok) return undefined;
  return new PortalError(EntrypointErrorCode.provisioningFailed, `provisioning manifest failed: ${outcome.error ?? "unknown"}`, {
    details: { phases: outcome.phases },
  });
}

/** The `provisioning` boot step; see the module comment. */
export const provisioningStep: BootStep = {
  name: "provisioning",
  // The time limit is PROVISIONING_TIMEOUT_SECONDS, applied inside (the boot-wide step limit is too short).
  timeoutMs: 24 * 3_600_000,
  async run(ctx, outer) {
    const { settings } = ctx;
    const complete = hostPath(ctx, PROVISIONING_COMPLETE);
    const logFile = hostPath(ctx, PROVISIONING_LOG);
    await fs.mkdir(path.dirname(logFile), { recursive: true });
    const failedMarker = hostPath(ctx, PROVISIONING_FAILED);
    const signal = AbortSignal.any([outer, AbortSignal.timeout(settings.provisioningTimeoutMs)]);
    const fail = async (err: PortalError<EntrypointErrorCode>): Promise<never> => {
      await fs.writeFile(failedMarker, `${new Date().toISOString()} ${err.message}\n`);
      await note(logFile, `>>> Provisioning FAILED: ${err.message}`);
      await note(logFile, ">>> Services keep running. Fix the manifest or script, then restart the instance to run it again.");
      throw err;
    };
    // The manifest runs on every boot: its phases skip by hash, so a changed one runs again (§1.3).
    const manifest = await runBootManifest(ctx, signal);
    if (manifest instanceof PortalError) return fail(manifest);
    const source = settings.provisioningScript;
    if (source === undefined) {
      if (manifest === "none") {
        ctx.log.info("no PROVISIONING_SCRIPT or provisioning manifest");
        return;
      }
      await fs.writeFile(complete, `${new Date().toISOString()}\n`);
      await fs.rm(failedMarker, { force: true });
      return;
    }
    if (
      await fs.stat(complete).then(
        () => true,
        () => false,
      )
    ) {
      ctx.log.info(`provisioning already complete (${PROVISIONING_COMPLETE}); not running PROVISIONING_SCRIPT again`);
      return;
    }
    await note(logFile, `>>> ${new Date().toISOString()} Provisioning from PROVISIONING_SCRIPT`);
    let text: string;
    try {
      text = await fetchProvisioningScript(ctx, source, signal);
    } catch (err) {
      return fail(
        err instanceof PortalError
          ? err
          : new PortalError(EntrypointErrorCode.provisioningDownloadFailed, (err as Error).message, { cause: err }),
      );
    }
    const script = hostPath(ctx, "/provisioning.sh");
    // dos2unix: scripts edited on Windows must still run.
    await fs.writeFile(script, text.replace(/\r\n?/g, "\n"), { mode: 0o755 });
    await fs.chmod(script, 0o755);
    const cwd = hostPath(ctx, settings.workspace);
    await fs.mkdir(cwd, { recursive: true });
    const status = await runScript(ctx, script, cwd, logFile, signal);
    if (status !== 0) {
      const why = signal.aborted
        ? `stopped (${outer.aborted ? "shutdown" : `over ${settings.provisioningTimeoutMs / 1000}s`})`
        : `exited with status ${status}`;
      return fail(new PortalError(EntrypointErrorCode.provisioningFailed, `provisioning script ${why}`, { details: { status } }));
    }
    await fs.writeFile(complete, `${new Date().toISOString()}\n`);
    await fs.rm(failedMarker, { force: true });
    await note(logFile, ">>> Provisioning complete");
  },
};
