/**
 * `node portal/server.ts` in the foreground: one line per listener once it
 * accepts connections, a clean exit 0 on SIGTERM, and exit 1 naming the
 * entry for a malformed PORTAL_CONFIG.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { freePort, get, tempInstanceRoot } from './_helpers.ts';

const SERVER = new URL('../../portal/server.ts', import.meta.url).pathname;

test('runs in the foreground, prints each listener when it accepts, and exits 0 on SIGTERM', { timeout: 30_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const [front, app, tm] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH, INSTANCE_ROOT: root, PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal|localhost:8080:8080:/:Direct`,
      [`VAST_TCP_PORT_${front}`]: '1', OPEN_BUTTON_TOKEN: 'tok', PORTAL_FRONT_HOST: '127.0.0.1', PORTAL_APP_PORT: String(app),
      PORTAL_TUNNEL_API_PORT: String(tm), PORTAL_DEFAULT_TUNNELS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines: string[] = [];
  const frontLine = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('front "Instance Portal" listening')) resolve();
    });
  });
  await frontLine;
  assert.ok(lines.some((l) => l === `portal: app listening on http://127.0.0.1:${app}`));
  assert.ok(lines.some((l) => l === `portal: tunnel API listening on http://127.0.0.1:${tm}`));
  assert.ok(lines.some((l) => l === `portal: front "Instance Portal" listening on http://127.0.0.1:${front} → localhost:${app}`));
  assert.ok(!lines.some((l) => l.includes('"Direct"')), 'no front for an entry with equal ports');
  assert.ok(!lines.some((l) => l.includes('tok')), 'the token is never printed');
  assert.equal((await get(front, '/health', { headers: { Authorization: 'Bearer tok' } })).status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.ok(lines.includes('portal: SIGTERM: closing'));
});

test('a malformed PORTAL_CONFIG exits 1 with the entry named on stderr', { timeout: 30_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH, INSTANCE_ROOT: root, PORTAL_CONFIG: 'localhost:1111:11111:/:Portal|localhost:80:x:/:Bad', PORTAL_APP_PORT: String(await freePort()) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /PORTAL_CONFIG entry 2 \("localhost:80:x:\/:Bad"\): internal_port "x" is not a port number/);
});

test('PORTAL_FRONT_THREADS=2 serves the fronts from two threads on one port and still exits 0 on SIGTERM', { timeout: 30_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const [front, app, tm] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH, INSTANCE_ROOT: root, PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal`,
      [`VAST_TCP_PORT_${front}`]: '1', OPEN_BUTTON_TOKEN: 'tok', PORTAL_FRONT_HOST: '127.0.0.1', PORTAL_APP_PORT: String(app),
      PORTAL_TUNNEL_API_PORT: String(tm), PORTAL_DEFAULT_TUNNELS: 'false', PORTAL_FRONT_THREADS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('listening on http://127.0.0.1:' + front)) resolve();
    });
  });
  assert.ok(lines.some((l) => l.endsWith('(2 threads)')), lines.join('\n'));
  const results = await Promise.all(Array.from({ length: 40 }, () => get(front, '/health', { headers: { Authorization: 'Bearer tok' } })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  assert.equal((await get(front, '/health')).status, 401);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
