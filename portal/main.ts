/**
 * The single entry of the bundled image program (/opt/portal/main.js):
 *   node main.js portal   runs the instance portal (supervisor program `instance_portal`)
 *   node main.js front    runs its fronts; started by the portal only (front-process.ts)
 *   node main.js portal-launch  prints the portal app's launch settings for its supervisor script (app-flags.ts)
 *   node main.js boot     runs the container entrypoint (portal/entrypoint/main.ts, a program of its own)
 *   node main.js provision --job ID PATH   runs a provisioning manifest (portal/entrypoint/provisioning/job.ts)
 * Each mode is imported only when chosen, so one does not pay for the other's start-up.
 * @module
 */

const [mode, ...args] = process.argv.slice(2);

switch (mode) {
  case "boot": {
    const { main } = await import("./entrypoint/main.ts");
    await main(args);
    break;
  }
  case "front": {
    const { serveFrontProcess } = await import("./front-process.ts");
    await serveFrontProcess();
    break;
  }
  case "portal": {
    const { forgetLaunchEnv } = await import("./app-flags.ts");
    forgetLaunchEnv();
    const { runPortalForeground } = await import("./server.ts");
    await runPortalForeground();
    break;
  }
  case "provision": {
    const { runProvisionJob } = await import("./entrypoint/provisioning/job.ts");
    process.exit(await runProvisionJob(args));
    break;
  }
  case "portal-launch": {
    const { launchLines } = await import("./app-flags.ts");
    process.stdout.write(`${launchLines().join("\n")}\n`);
    break;
  }
  default:
    process.stderr.write(
      `usage: node main.js portal | portal-launch | boot [flags] | provision --job ID SOURCE\n(got ${JSON.stringify(mode ?? "")})\n`,
    );
    process.exit(2);
}
