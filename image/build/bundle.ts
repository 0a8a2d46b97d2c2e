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
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '../..');
const outdir = process.argv[2];
if (outdir === undefined) {
  process.stderr.write('usage: node image/build/bundle.ts OUTDIR\n');
  process.exit(2);
}

const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/**
 * Node's built-in modules are loaded with require(), not import. Importing a built-in as ESM
 * builds its namespace from every export, which runs the lazy getters: `import 'node:http'`
 * alone loads Node's bundled undici for `http.WebSocket` and friends, measured +11 MB resident
 * (6.5 MB heap) against `require('node:http')` on Node 24. As CommonJS inside the bundle, an
 * export is read where it is used, so what the program never touches is never loaded.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      builtins.has(args.path) && args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

await build({
  plugins: [builtinsThroughRequire],
  entryPoints: [path.join(repo, 'portal/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  // V8 keeps each module's source text for as long as the module lives, two bytes per character
  // once one character is outside Latin-1 (a `§` in a comment was enough): whitespace and comments
  // removed and ASCII escapes measured 2.8 MB less resident in the portal app. Names are kept, so
  // stack traces still name their functions.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  logLevel: 'warning',
  // Modules with an `if (import.meta.main)` block (portal/server.ts) would all see `true` inside the
  // bundle and start themselves; main.ts is the only entry here.
  define: { 'import.meta.main': 'false' },
  // Bundled CommonJS dependencies (node-forge) call require(); ESM output has none without this.
  banner: { js: "import { createRequire as __vkCreateRequire } from 'node:module'; const require = __vkCreateRequire(import.meta.url);" },
});
