/**
 * Bundles portal/main.ts (portal + entrypoint) into one ESM file for the image with esbuild.
 * Usage: node scripts/docker/bundle.ts OUTFILE
 * While portal/server.ts (the portal issue) is missing, scripts/docker/portal-pending.ts stands in
 * for it, with a warning, so the rest of the image can be built and tested.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '../..');
const outfile = process.argv[2];
if (outfile === undefined) {
  process.stderr.write('usage: node scripts/docker/bundle.ts OUTFILE\n');
  process.exit(2);
}

const serverPath = path.join(repo, 'portal/server.ts');
const pendingPortal: Plugin = {
  name: 'pending-portal',
  setup(b) {
    b.onResolve({ filter: /^\.\/server\.ts$/ }, (args) => {
      if (args.importer !== path.join(repo, 'portal/main.ts') || fs.existsSync(serverPath)) return undefined;
      process.stderr.write('[bundle] portal/server.ts missing: bundling scripts/docker/portal-pending.ts in its place\n');
      return { path: path.join(repo, 'scripts/docker/portal-pending.ts') };
    });
  },
};

await build({
  entryPoints: [path.join(repo, 'portal/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [pendingPortal],
  // Modules with an `if (import.meta.main)` block (portal/server.ts) would all see `true` inside one
  // bundle and start themselves; main.ts is the only entry here.
  define: { 'import.meta.main': 'false' },
  // Bundled CommonJS dependencies (node-forge) call require(); ESM output has none without this.
  banner: { js: "import { createRequire as __vkCreateRequire } from 'node:module'; const require = __vkCreateRequire(import.meta.url);" },
});
