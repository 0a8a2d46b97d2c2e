/**
 * Live logs (instance-runtime.md §4.2): the terminal emulation (`\r`
 * progress lines, ANSI colours rendered safely) and the /ws-logs protocol
 * over a real WebSocket through the front.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { LogStream } from "../../portal/app/log-stream.ts";
import { Terminal } from "../../portal/app/terminal.ts";
import { startPortal } from "../../portal/server.ts";
import { freePort, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";

test("lines are appended; a lone \\r rewrites the line; \\r\\n is a newline", () => {
  const term = new Terminal();
  assert.deepEqual(term.write("one\ntwo\r\n"), [
    { type: "append", html: "one" },
    { type: "append", html: "two" },
  ]);
  assert.deepEqual(term.write(" 10%|#"), [{ type: "append", html: " 10%|#" }]);
  assert.deepEqual(term.write("\r 50%|#####"), [{ type: "overwrite", html: " 50%|#####" }]);
  // A trailing \r waits for the next chunk to know whether it starts a rewrite or ends the line.
  assert.deepEqual(term.write("\r100%|##########\r"), [{ type: "overwrite", html: "100%|##########" }]);
  assert.deepEqual(term.write("\ndone\n"), [{ type: "append", html: "done" }]);
});

test("ANSI colours become fixed classes and log text cannot inject markup", () => {
  const term = new Terminal();
  assert.deepEqual(term.write('\x1b[1;31mERROR\x1b[0m <script>alert(1)</script> & "q"\n'), [
    { type: "append", html: '<span class="a-f1 a-bold">ERROR</span> &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;' },
  ]);
  assert.deepEqual(term.write("\x1b[38;2;1;2;3mtrue\x1b[39m \x1b[92mok\x1b[0m\x1b]0;title\x07\x07\x1b[2K\x1b[1Gclean\x00\n"), [
    { type: "append", html: "clean" },
  ]);
  assert.deepEqual(term.write('\x1b[31m"><img src=x onerror=alert(1)>\n'), [
    { type: "append", html: '<span class="a-f1">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>' },
  ]);
});

test("/ws-logs greets, replays history, and streams a new line within a second, with \\r rewrites", async (t) => {
  const root = await tempInstanceRoot(t);
  const logFile = path.join(root, "var/log/portal/jupyter.log");
  await fs.writeFile(logFile, "old line 1\nold line 2\n");
  const [front, app] = await Promise.all([freePort(), freePort()]);
  const portal = await startPortal({
    env: await portalTestEnv(root, app, front, { VAST_CONTAINERLABEL: "C.1" }),
    log: () => {},
  });
  t.after(() => portal.close());
  const messages: string[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${front}/ws-logs?_=1`, { headers: { Cookie: "C.1_auth_token=tok" } } as unknown as string[]);
  ws.addEventListener("message", (ev) => messages.push(String(ev.data)));
  t.after(() => ws.close());
  await waitFor("greeting and replay", () => (messages.length >= 3 ? true : undefined), 3000);
  assert.deepEqual(JSON.parse(messages[0] as string), { type: "system", html: '<div class="log-system">Connected to log stream</div>' });
  assert.deepEqual(
    messages.slice(1, 3).map((m) => JSON.parse(m)),
    [
      { type: "append", html: "old line 1" },
      { type: "append", html: "old line 2" },
    ],
  );

  const written = Date.now();
  await fs.appendFile(logFile, "fresh line\n");
  const fresh = await waitFor("the new line", () => messages.map((m) => JSON.parse(m)).find((m) => m.html === "fresh line"), 1000);
  assert.deepEqual(fresh, { type: "append", html: "fresh line", file: "jupyter.log" });
  assert.ok(Date.now() - written < 1000);

  await fs.appendFile(logFile, "Downloading  10%");
  await waitFor("progress", () => messages.some((m) => m.includes("Downloading  10%")) || undefined, 2000);
  await fs.appendFile(logFile, "\rDownloading  90%");
  const over = await waitFor("overwrite", () => messages.map((m) => JSON.parse(m)).find((m) => m.html === "Downloading  90%"), 2000);
  assert.equal(over.type, "overwrite");

  ws.send("ping");
  await waitFor("pong", () => (messages.includes("pong") ? true : undefined), 2000);

  // A truncated file is read again from the start.
  await fs.writeFile(logFile, "after truncate\n");
  await waitFor("truncation", () => messages.some((m) => m.includes("after truncate")) || undefined, 2000);
});

test("/ws-logs without credentials is refused by the front", async (t) => {
  const root = await tempInstanceRoot(t);
  const [front, app] = await Promise.all([freePort(), freePort()]);
  const portal = await startPortal({
    env: await portalTestEnv(root, app, front),
    log: () => {},
  });
  t.after(() => portal.close());
  const ws = new WebSocket(`ws://127.0.0.1:${front}/ws-logs`);
  const outcome = await new Promise<string>((resolve) => {
    ws.addEventListener("open", () => resolve("open"));
    ws.addEventListener("error", () => resolve("error"));
  });
  assert.equal(outcome, "error");
});

test("a log over 5 MB is cut to its last 1 MB in place, so a writer holding it open keeps reaching it", async (t) => {
  const root = await tempInstanceRoot(t);
  // The raw log in /var/log/portal and its clean copy in /var/log, each held open as `tee -a` holds them.
  const files = [path.join(root, "var/log/portal/big.log"), path.join(root, "var/log/big.log")];
  const line = `${"x".repeat(1023)}\n`;
  const writers = await Promise.all(
    files.map(async (file) => {
      await fs.writeFile(file, line.repeat(6 * 1024));
      return fs.open(file, "a");
    }),
  );
  t.after(() => Promise.all(writers.map((w) => w.close())));
  const logs = new LogStream({ dir: path.join(root, "var/log/portal"), cleanDir: path.join(root, "var/log"), rotateMs: 50 });
  await logs.start();
  t.after(() => logs.stop());
  for (const file of files) await waitFor(`${file} cut`, async () => (await fs.stat(file)).size === 1024 * 1024, 5_000);
  await Promise.all(writers.map((w) => w.write("after the cut\n")));
  for (const file of files) {
    const text = await fs.readFile(file, "utf8");
    assert.equal(text.length, 1024 * 1024 + "after the cut\n".length);
    assert.ok(text.endsWith(`${line}after the cut\n`), `${file} lost what its writer printed after the cut`);
  }
});
