/**
 * Supervisor control through supervisord's XML-RPC socket (instance-runtime.md
 * §4.1, §7): the process list the portal shows, and start/stop/restart with
 * the unstoppable set honoured.
 * @module
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { PortalError, PortalErrorCode } from "../errors.ts";
import type { XmlRpcValue } from "./xmlrpc.ts";
import { XmlRpcFault, callUnix } from "./xmlrpc.ts";

/** One process as `/supervisor/processes` reports it. */
export interface ProcessInfo {
  readonly name: string;
  readonly group: string;
  readonly state: string;
  readonly description: string;
  readonly pid: number;
  readonly start: number;
  readonly now: number;
  readonly unstoppable: boolean;
}

/** Options of {@link SupervisorClient}. */
export interface SupervisorOptions {
  /** `/var/run/supervisor.sock` under the instance root. */
  readonly socketPath: string;
  /** `/tmp/supervisor-skip` under the instance root (§2.4 skip markers). */
  readonly skipDir: string;
  /** `/.launch` under the instance root (§8.7: hides `jupyter` when present). */
  readonly launchMarker: string;
  /** Names that cannot be stopped. */
  readonly unstoppable: ReadonlySet<string>;
  /** `supervisorctl` executable for detached restarts. Defaults to `supervisorctl`. */
  readonly supervisorctl?: string;
}

/** The portal's view of supervisord. */
export class SupervisorClient {
  readonly #o: SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.#o = options;
  }

  /** True when the XML-RPC socket exists. */
  async available(): Promise<boolean> {
    return fs.stat(this.#o.socketPath).then(
      (s) => s.isSocket(),
      () => false,
    );
  }

  /** Every visible process (skip-marked ones and, in launch mode, `jupyter` hidden). */
  async processes(): Promise<ProcessInfo[]> {
    const all = await this.#call("supervisor.getAllProcessInfo");
    if (!Array.isArray(all)) throw new PortalError(PortalErrorCode.supervisorUnavailable, "unexpected answer from supervisord");
    const skipped = new Set(await fs.readdir(this.#o.skipDir).catch(() => [] as string[]));
    const launch = await fs.stat(this.#o.launchMarker).then(
      () => true,
      () => false,
    );
    const out: ProcessInfo[] = [];
    for (const raw of all) {
      const p = raw as Record<string, XmlRpcValue>;
      const name = String(p.name);
      if (skipped.has(name) || (launch && name === "jupyter")) continue;
      out.push({
        name,
        group: String(p.group),
        state: String(p.statename),
        description: String(p.description),
        pid: Number(p.pid),
        start: Number(p.start),
        now: Number(p.now),
        unstoppable: this.#o.unstoppable.has(name),
      });
    }
    return out;
  }

  /** Start a process; a supervisord fault becomes 400 with its faultString. */
  async start(name: string): Promise<void> {
    await this.#call("supervisor.startProcess", [name, true]);
  }

  /** Stop a process; 403 for the unstoppable set. */
  async stop(name: string): Promise<void> {
    if (this.#o.unstoppable.has(name)) {
      throw new PortalError(PortalErrorCode.processUnstoppable, `Process ${name} cannot be stopped`, { status: 403 });
    }
    await this.#call("supervisor.stopProcess", [name, true]);
  }

  /**
   * Restart through a detached `supervisorctl restart` in its own session, so
   * restarting the portal itself completes after this process is gone (§4.1).
   * 404 for an unknown name.
   */
  async restart(name: string): Promise<void> {
    const known = await this.#call("supervisor.getAllProcessInfo");
    if (!Array.isArray(known) || !known.some((p) => (p as Record<string, XmlRpcValue>).name === name)) {
      throw new PortalError(PortalErrorCode.notFound, `Process ${name} not found`, { status: 404 });
    }
    const child = spawn(this.#o.supervisorctl ?? "supervisorctl", ["-s", `unix://${path.resolve(this.#o.socketPath)}`, "restart", name], {
      detached: true,
      stdio: "ignore",
    });
    child.on("error", () => {});
    child.unref();
  }

  async #call(method: string, params: (string | boolean)[] = []): Promise<XmlRpcValue> {
    try {
      return await callUnix(this.#o.socketPath, method, params);
    } catch (err) {
      if (err instanceof XmlRpcFault) {
        throw new PortalError(PortalErrorCode.supervisorFault, err.faultString, { status: 400, cause: err });
      }
      throw new PortalError(PortalErrorCode.supervisorUnavailable, `supervisord unavailable: ${(err as Error).message}`, {
        status: 500,
        cause: err,
      });
    }
  }
}
