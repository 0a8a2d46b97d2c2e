/**
 * A real supervisord on a unix socket under a temporary INSTANCE_ROOT
 * (`/var/run/supervisor.sock`), stopped after the test.
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import type { TestContext } from "node:test";

/** A program that sleeps; `autostart` false leaves it STOPPED. */
export function sleepProgram(name: string, autostart = true): string {
  return `[program:${name}]\ncommand=/bin/sleep 300\nautostart=${autostart}\nstartsecs=0\nstopwaitsecs=2\n`;
}

/** Start supervisord with `programs` (config sections) under `root`. */
export async function startSupervisord(t: TestContext, root: string, programs: readonly string[]): Promise<void> {
  const sock = path.join(root, "var/run/supervisor.sock");
  await fs.mkdir(path.dirname(sock), { recursive: true });
  const conf = path.join(root, "supervisord.conf");
  await fs.writeFile(
    conf,
    [
      `[unix_http_server]\nfile=${sock}\nchmod=0700\n`,
      `[supervisord]\nlogfile=${root}/supervisord.log\npidfile=${root}/supervisord.pid\nchilddir=${root}\nnodaemon=true\n`,
      "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
      ...programs,
    ].join("\n"),
  );
  const supervisord = spawn("supervisord", ["-c", conf], { stdio: "ignore" });
  t.after(async () => {
    if (supervisord.exitCode === null) {
      const exited = new Promise((r) => supervisord.once("exit", r));
      supervisord.kill("SIGTERM");
      await exited;
    }
  });
}
