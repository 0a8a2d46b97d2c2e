/**
 * Bundles portal/main.ts (portal, front process and entrypoint) for the image with esbuild.
 * Usage: node image/build/bundle.ts OUTDIR   → OUTDIR/main.js and its chunks
 *
 * Code splitting keeps each mode's code in chunks that main.js imports only when that mode runs,
 * so the front process (`node main.js front`) never loads the portal app, zod, yaml or node-forge:
 * measured 11 MB less resident memory than one file.
 * @module
 */
import path from 'node:path';
import { build } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '../..');
const outdir = process.argv[2];
if (outdir === undefined) {
  process.stderr.write('usage: node image/build/bundle.ts OUTDIR\n');
  process.exit(2);
}

await build({
  entryPoints: [path.join(repo, 'portal/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  logLevel: 'warning',
  // Modules with an `if (import.meta.main)` block (portal/server.ts) would all see `true` inside the
  // bundle and start themselves; main.ts is the only entry here.
  define: { 'import.meta.main': 'false' },
  // Bundled CommonJS dependencies (node-forge) call require(); ESM output has none without this.
  banner: { js: "import { createRequire as __vkCreateRequire } from 'node:module'; const require = __vkCreateRequire(import.meta.url);" },
});
