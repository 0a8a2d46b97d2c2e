/**
 * A provisioning run outside the boot: `node main.js provision --job ID SOURCE` runs the manifest at
 * SOURCE (a container path or an http(s) URL) as job ID, with its phase hashes apart from the boot's. The portal starts it detached for `POST /capabilities/provision`
 * (portal/app/provision-route.ts), so the run outlives a portal restart. /.provisioning exists while
 * it runs (services with `wait_for_provisioning` wait on it), unless the boot already holds it.
 * @module
 */
import fs from "node:fs/promises";
import { instancePath, instanceRoot } from "../../index.ts";
import { snapshotEnv } from "../config.ts";
import { runManifest } from "./runner.ts";

/** Run the job named by `argv` (`--job ID PATH`); resolves with the exit status (0 when the run succeeded). */
export async function runProvisionJob(argv: readonly string[]): Promise<number> {
  const at = argv.indexOf("--job");
  const job = at >= 0 ? argv[at + 1] : undefined;
  const file = argv.filter((_, i) => i !== at && i !== at + 1)[0];
  if (job === undefined || file === undefined || !/^(\/|https?:\/\/)/.test(file)) {
    process.stderr.write("usage: node main.js provision --job ID /container/path/manifest.yaml|URL\n");
    return 2;
  }
  const env = snapshotEnv(process.env);
  const root = instanceRoot(env);
  const lock = instancePath("/.provisioning", root);
  const took = await fs.writeFile(lock, `${new Date().toISOString()} job ${job}\n`, { flag: "wx" }).then(
    () => true,
    () => false,
  );
  const line = (level: string) => (message: string) =>
    process.stdout.write(`[provision] ${new Date().toISOString()} ${level} ${message}\n`);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGTERM", onSignal);
  try {
    const outcome = await runManifest({
      root,
      env,
      source: /^https?:\/\//.test(file) ? { kind: "url", url: file } : { kind: "path", path: file },
      job,
      stateKey: "api",
      sink: { info: line("INFO"), warn: line("WARN"), error: line("ERROR") },
      signal: stop.signal,
    });
    return outcome.ok ? 0 : 1;
  } finally {
    process.off("SIGTERM", onSignal);
    if (took) await fs.rm(lock, { force: true });
  }
}
