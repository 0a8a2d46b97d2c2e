/**
 * Stand-in for portal/server.ts while that module (the portal issue) has not landed: bundled by
 * build-context.sh only when portal/server.ts is missing. It says so and idles, so supervisord
 * does not restart it in a loop; the portal assertions of the container test fail meanwhile.
 * @module
 */

/** Same shape as the portal's `startPortal`. */
export async function startPortal(): Promise<{ close(): Promise<void> }> {
  process.stdout.write('[portal] portal/server.ts was not in this build: no portal is serving\n');
  const idle = setInterval(() => {}, 1 << 30);
  return {
    async close() {
      clearInterval(idle);
    },
  };
}
