/**
 * The landing page in a real browser (Chromium through playwright-core):
 * open the portal with `?token=`, land with the cookie set and the token gone
 * from the address, see the apps, watch a log line appear within a second of
 * being written, and create a quick tunnel.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startPortal } from "../../portal/server.ts";
import { launchChromium } from "./_browser.ts";
import { FAKE_CLOUDFLARED, freePort, tempInstanceRoot, portalTestEnv } from "./_helpers.ts";

test("a browser opens the portal with ?token=, sees the apps, live logs and creates a quick tunnel", { timeout: 60_000 }, async (t) => {
  const root = await tempInstanceRoot(t);
  const logFile = path.join(root, "var/log/portal/instance_portal.log");
  await fs.writeFile(logFile, "portal started\n");
  const [front, app] = await Promise.all([freePort(), freePort()]);
  const portal = await startPortal({
    env: await portalTestEnv(root, app, front, {
      PORTAL_CONFIG: `localhost:${front}:${app}:/:Instance Portal|localhost:8080:18080:/tree:Jupyter|localhost:8384:18384:/:Syncthing`,
      [`VAST_TCP_PORT_${front}`]: String(front),
      OPEN_BUTTON_TOKEN: "obt-secret",
      VAST_CONTAINERLABEL: "C.42",
      CONTAINER_ID: "4242",
      CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
      PUBLIC_IPADDR: "127.0.0.1",
    }),
    log: () => {},
  });
  t.after(() => portal.close());
  const { context, page } = await launchChromium(t);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  await page.goto(`http://127.0.0.1:${front}/?token=obt-secret`);
  assert.equal(page.url(), `http://127.0.0.1:${front}/`);
  const cookies = await context.cookies();
  assert.deepEqual(
    cookies.map((c) => [c.name, c.value, c.httpOnly]),
    [["C.42_auth_token", "obt-secret", true]],
  );

  await page.locator("#instance-id", { hasText: "4242" }).waitFor();
  await page.locator("#apps .card h2", { hasText: "Jupyter" }).waitFor();
  assert.deepEqual(await page.locator("#apps .card h2").allTextContents(), ["Instance Portal", "Jupyter", "Syncthing"]);
  assert.equal(await page.locator('.card[data-app="Instance Portal"] button.launch').textContent(), "Currently Active");
  await page.locator('.gauge[data-key="cpu"] .ring span', { hasText: "%" }).waitFor();

  await page.click('nav a[data-tab="logs"]');
  await page.locator("#logs .line", { hasText: "portal started" }).waitFor();
  await page.locator("#log-state", { hasText: "Live" }).waitFor();
  const written = Date.now();
  await fs.appendFile(logFile, "\x1b[32mmodel loaded\x1b[0m <b>not bold</b>\n");
  await page.locator("#logs .line", { hasText: "model loaded" }).waitFor({ timeout: 1000 });
  assert.ok(Date.now() - written < 1000, "log line shown within a second");
  assert.equal(await page.locator("#logs .line b").count(), 0);
  assert.equal(await page.locator("#logs .line span.a-f2", { hasText: "model loaded" }).count(), 1);

  await page.click('nav a[data-tab="tunnels"]');
  await page.fill("#tunnel-target", "localhost:8080");
  await page.click("#tunnel-create");
  await page.locator("#tunnel-status", { hasText: /Tunnel ready: https:\/\/\w+(-\w+)+\.trycloudflare\.com/ }).waitFor({ timeout: 10_000 });
  await page.locator("#tunnels a", { hasText: "trycloudflare.com" }).waitFor();
  assert.equal(await page.locator("#tunnels td", { hasText: "http://localhost:8080" }).count(), 1);
  assert.deepEqual(errors, []);
});
