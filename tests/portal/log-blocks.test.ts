/**
 * Multi-line progress blocks in the live log (instance-runtime.md §4.2, §11):
 * output that moves the cursor up (ESC[nA) and redraws several rows — nested
 * tqdm bars, docker/buildkit and apt progress — is rewritten in place, in the
 * terminal emulation, in the replay buffer, and on the page in Chromium.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { LogStream } from "../../portal/app/log-stream.ts";
import { Terminal } from "../../portal/app/terminal.ts";
import { startPortal } from "../../portal/server.ts";
import { launchChromium } from "./_browser.ts";
import { freePort, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";

/** What a client holding these events shows, applying them as portal.js does. */
function screen(events: ReturnType<Terminal["write"]>[]): string[] {
  const lines: string[] = [];
  for (const event of events.flat()) {
    if (event.type === "append") lines.push(event.html);
    else if (event.type === "overwrite") lines.splice(lines.length - 1, 1, event.html);
    else if (event.type === "overwrite_block") lines.splice(lines.length - event.replace, event.replace, ...event.lines);
  }
  return lines;
}

test("a cursor-up redraw of two progress rows rewrites those two lines in place", () => {
  const term = new Terminal();
  const events = [term.write("Downloading\n"), term.write("a.bin   0%\nb.bin   0%\n")];
  const redraw = term.write("\x1b[2A\ra.bin  50%\nb.bin  10%\n");
  assert.deepEqual(redraw, [{ type: "overwrite_block", lines: ["a.bin  50%", "b.bin  10%"], replace: 2 }]);
  events.push(redraw, term.write("\x1b[2A\ra.bin 100%\nb.bin 100%\n"), term.write("done\n"));
  assert.deepEqual(screen(events), ["Downloading", "a.bin 100%", "b.bin 100%", "done"]);
});

test("docker-style redraws (ESC[nA then ESC[2K per row) that grow and shrink the block end as the terminal shows", () => {
  const term = new Terminal();
  const events = [term.write("#1 [1/2] FROM base\n#2 [2/2] RUN apt-get install\n")];
  // Up two rows, erase and rewrite each, and add a third row.
  events.push(term.write("\x1b[2A\x1b[2K#1 [1/2] FROM base DONE\n\x1b[2K#2 [2/2] RUN apt-get install 3.2s\n\x1b[2K#2 Get:1 libc6\n"));
  // The third row was not on the client yet: it comes in the same block message, after the two it replaces.
  assert.deepEqual(events[1], [
    { type: "overwrite_block", lines: ["#1 [1/2] FROM base DONE", "#2 [2/2] RUN apt-get install 3.2s", "#2 Get:1 libc6"], replace: 2 },
  ]);
  // Up three, rewrite two and clear what is below (ESC[J): the block shrinks to two rows.
  events.push(term.write("\x1b[3A\x1b[2K#1 [1/2] FROM base DONE\n\x1b[2K#2 [2/2] RUN apt-get install DONE 4.0s\n\x1b[J"));
  assert.deepEqual(screen(events), ["#1 [1/2] FROM base DONE", "#2 [2/2] RUN apt-get install DONE 4.0s"]);
  events.push(term.write("exporting to image\n"));
  assert.deepEqual(screen(events), ["#1 [1/2] FROM base DONE", "#2 [2/2] RUN apt-get install DONE 4.0s", "exporting to image"]);
});

test("nested tqdm bars (\\r, newline, ESC[A) keep one line per bar, and colours survive a rewrite", () => {
  const term = new Terminal();
  const events = [term.write("epoch 1\n")];
  for (const [outer, inner] of [
    [0, 0],
    [0, 50],
    [50, 100],
  ])
    events.push(term.write(`\r\x1b[32mouter ${outer}%\x1b[0m\n\rinner ${inner}%\x1b[A`));
  events.push(term.write("\n\n"), term.write("epoch 2\n"));
  assert.deepEqual(screen(events), ["epoch 1", '<span class="a-f2">outer 50%</span>', "inner 100%", "epoch 2"]);
  // A colour set before a \r stays in effect for the rewritten text, as in a terminal.
  const coloured = new Terminal();
  assert.deepEqual(screen([coloured.write("\x1b[31m 10%"), coloured.write("\r 20%\x1b[0m\n")]), ['<span class="a-f1"> 20%</span>']);
});

test("apt's fancy progress (save cursor, draw on the screen's last row, restore) stays out of the log's lines", () => {
  const term = new Terminal();
  const events = [term.write("Reading package lists...\n\n\x1b7\x1b[0;23r\x1b8\x1b[1A")];
  for (const [pct, pkg] of [
    [20, "Selecting previously unselected package wget."],
    [60, "Unpacking wget (1.21.3-1+b2) ..."],
    [100, "Setting up wget (1.21.3-1+b2) ..."],
  ])
    events.push(term.write(`${pkg}\n\x1b7\x1b[24;0f\x1b[42m\x1b[30mProgress: [${pct}%]\x1b[49m\x1b[39m [####......] \x1b8`));
  events.push(term.write("\x1b7\x1b[0;24r\x1b8done\n"));
  assert.deepEqual(screen(events), [
    "Reading package lists...",
    "Selecting previously unselected package wget.",
    "Unpacking wget (1.21.3-1+b2) ...",
    "Setting up wget (1.21.3-1+b2) ...",
    "done",
  ]);
});

test("an escape sequence cut between two reads is not shown as text", () => {
  const term = new Terminal();
  const events = [term.write("one\ntwo\n\x1b["), term.write("2A\rONE\nTWO\n")];
  assert.deepEqual(screen(events), ["ONE", "TWO"]);
});

test("a cursor-up past everything kept, or a huge count, stays within the file's rows", () => {
  const term = new Terminal();
  const events = [term.write("a\nb\n"), term.write("\x1b[999999Areplaced\n")];
  assert.deepEqual(screen(events), ["replaced", "b"]);
  const long = new Terminal();
  const many = [long.write(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(""))];
  many.push(long.write("\x1b[2A\rline 998 again\n"));
  assert.deepEqual(screen(many).slice(-3), ["line 997", "line 998 again", "line 999"]);
});

test("the replay buffer holds a block's final lines once, in place among another file's lines", async (t) => {
  const root = await tempInstanceRoot(t);
  const dir = path.join(root, "var/log/portal");
  const bars = path.join(dir, "provisioning.log");
  const other = path.join(dir, "jupyter.log");
  await fs.writeFile(bars, "start\nmodel.bin   0%\nvocab.json  0%\n");
  const logs = new LogStream({ dir, cleanDir: path.join(root, "var/log"), pollMs: 20 });
  const messages: unknown[] = [];
  logs.on("message", (m) => messages.push(m));
  await logs.start();
  t.after(() => logs.stop());
  await fs.appendFile(other, "jupyter ready\n");
  await waitFor("the other file's line", () => logs.history().includes("jupyter ready") || undefined, 5000);
  await fs.appendFile(bars, "\x1b[2A\rmodel.bin  60%\nvocab.json 100%\n");
  await waitFor("the block", () => logs.history().includes("vocab.json 100%") || undefined, 5000);
  await fs.appendFile(bars, "\x1b[2A\rmodel.bin 100%\nvocab.json 100%\nfinished\n");
  await waitFor("the end", () => logs.history().includes("finished") || undefined, 5000);
  assert.deepEqual(logs.history(), ["start", "model.bin 100%", "vocab.json 100%", "jupyter ready", "finished"]);
  assert.deepEqual(messages.filter((m) => (m as { type: string }).type === "overwrite_block")[0], {
    type: "overwrite_block",
    lines: ["model.bin  60%", "vocab.json 100%"],
    replace: 2,
    file: "provisioning.log",
  });
});

test("the page redraws a cursor-up progress block in place instead of appending it again", { timeout: 60_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const logFile = path.join(root, "var/log/portal/provisioning.log");
  await fs.writeFile(logFile, "pip install\n");
  const [front, app] = await Promise.all([freePort(), freePort()]);
  const portal = await startPortal({ env: await portalTestEnv(root, app, front), log: () => {} });
  t.after(() => portal.close());
  const { page } = await launchChromium(t);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${front}/?token=tok#/logs`);
  await page.locator("#log-state", { hasText: "Live" }).waitFor();
  await fs.appendFile(logFile, "torch   0%\nnumpy   0%\n");
  await page.locator("#logs .line", { hasText: "numpy   0%" }).waitFor();
  await fs.appendFile(path.join(root, "var/log/portal/jupyter.log"), "jupyter ready\n");
  await page.locator("#logs .line", { hasText: "jupyter ready" }).waitFor();
  for (const [a, b] of [
    [30, 80],
    [70, 100],
    [100, 100],
  ]) {
    await fs.appendFile(logFile, `\x1b[2A\rtorch ${String(a).padStart(3)}%\nnumpy ${String(b).padStart(3)}%\n`);
    await page.locator("#logs .line", { hasText: `torch ${String(a).padStart(3)}%` }).waitFor();
  }
  await fs.appendFile(logFile, "Successfully installed torch numpy\n");
  await page.locator("#logs .line", { hasText: "Successfully installed" }).waitFor();
  const lines = (await page.locator("#logs .line").allTextContents()).filter((l) => l !== "Connected to log stream");
  assert.deepEqual(lines, ["pip install", "torch 100%", "numpy 100%", "jupyter ready", "Successfully installed torch numpy"]);
  assert.deepEqual(errors, []);
});
