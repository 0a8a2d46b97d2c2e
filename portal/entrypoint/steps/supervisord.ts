/**
 * Step `supervisord`: start `supervisord -n` with the boot environment and wait until its socket
 * answers. Readiness is a wait on the socket, not a check that the process exists: supervisord is
 * visible 2 ms after fork but serves its socket only ~400 ms later (instance-runtime.md §11).
 * @module
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { hostPath } from "../context.ts";
import { PortalError } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";
import type { BootStep } from "../step.ts";

/** Container path of supervisord's control socket. */
export const SUPERVISOR_SOCKET = "/var/run/supervisor.sock";

/** True when something accepts connections on the unix socket `file`. */
export function socketAnswers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(file);
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** The `supervisord` boot step; see the module comment. */
export const supervisordStep: BootStep = {
  name: "supervisord",
  async run(ctx, signal) {
    const { settings } = ctx;
    const conf = hostPath(ctx, settings.supervisordConf);
    const child = spawn(settings.supervisordBin, ["-n", "-c", conf], { env: ctx.env, stdio: ["ignore", "inherit", "inherit"] });
    const exited = new Promise<string>((resolve) => {
      child.once("error", (err) => resolve(`could not start ${settings.supervisordBin}: ${err.message}`));
      child.once("exit", (code, sig) => resolve(`${settings.supervisordBin} exited (${sig ?? code}) before its socket answered`));
    });
    let failure: string | undefined;
    void exited.then((why) => {
      failure = why;
    });
    ctx.supervisord = child;
    const socket = hostPath(ctx, SUPERVISOR_SOCKET);
    while (failure === undefined) {
      if (signal.aborted) throw signal.reason;
      if (await socketAnswers(socket)) {
        ctx.log.info(`supervisord (pid ${child.pid}) answers on ${SUPERVISOR_SOCKET}`);
        return;
      }
      await sleep(100);
    }
    ctx.supervisord = undefined;
    throw new PortalError(EntrypointErrorCode.supervisorStartFailed, failure, { details: { bin: settings.supervisordBin, conf } });
  },
};
