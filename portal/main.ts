/**
 * The single entry of the bundled image program (/opt/portal/main.js):
 *   node main.js portal   runs the instance portal (supervisor program `instance_portal`)
 *   node main.js boot     runs the container entrypoint (portal/entrypoint/)
 * Each mode is imported only when chosen, so one does not pay for the other's start-up.
 * @module
 */

const [mode, ...args] = process.argv.slice(2);

switch (mode) {
  case 'boot': {
    const { runBoot } = await import('./entrypoint/index.ts');
    process.exit(await runBoot({ argv: args }));
    break;
  }
  case 'portal': {
    const { startPortal } = await import('./server.ts');
    const handle = await startPortal();
    // Same shutdown as `node portal/server.ts`: close on the first signal, exit 1 on a second one
    // or when closing takes over 10 s (supervisord's stopwaitsecs).
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`portal: second ${sig} while closing; exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`portal: ${sig}: closing\n`);
      setTimeout(() => {
        process.stderr.write('portal: close took longer than 10 s; exiting\n');
        process.exit(1);
      }, 10_000).unref();
      void handle.close().then(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    break;
  }
  default:
    process.stderr.write(`usage: node main.js portal | boot [flags]\n(got ${JSON.stringify(mode ?? '')})\n`);
    process.exit(2);
}
