/**
 * The secure-context redirect (instance-runtime.md §4.3) in Chromium: a page
 * opened over plain http on an address that is not a secure context moves to
 * the portal's own https tunnel — the named tunnel at once, else the quick
 * tunnel once `/portal-resolver` answers through it — unless `?redir=false`
 * says to stay or the user chooses to. Tunnel hostnames resolve to a local TLS
 * stand-in for Cloudflare's edge (Chromium's host resolver rules), which
 * forwards to the front as cloudflared would, adding Cloudflare's headers.
 */
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { startPortal } from "../../portal/server.ts";
import { generateSelfSignedPair } from "../../portal/tls.ts";
import { launchChromium } from "./_browser.ts";
import { FAKE_CLOUDFLARED, freePort, get, listenOn, portalTestEnv, tempInstanceRoot, waitFor } from "./_helpers.ts";

/** An https server that forwards every request to the front on `frontPort`, as Cloudflare's edge and cloudflared do. */
async function startEdge(t: TestContext, frontPort: number): Promise<number> {
  const pair = await generateSelfSignedPair({ commonName: "trycloudflare.test" });
  const edge = https.createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: frontPort,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          "cf-ray": "8f00000000000000-AMS",
          "cf-visitor": '{"scheme":"https"}',
          "cf-connecting-ip": "203.0.113.9",
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listenOn(edge as unknown as http.Server);
  t.after(
    () =>
      new Promise((r) => {
        edge.closeAllConnections();
        edge.close(r);
      }),
  );
  return port;
}

/** Chromium where `portal.test` is the front on loopback (not a secure context) and tunnel hosts are the edge. */
async function browser(t: TestContext, edgePort: number) {
  return launchChromium(t, [
    `--host-resolver-rules=MAP portal.test 127.0.0.1, MAP *.trycloudflare.com 127.0.0.1:${edgePort}, MAP portal.named.test 127.0.0.1:${edgePort}`,
    "--ignore-certificate-errors",
  ]);
}

// The test runs without DOM types: read the page's global by name.
const isSecure = (page: Awaited<ReturnType<typeof browser>>["page"]) => page.evaluate("isSecureContext") as Promise<boolean>;
const secureState = (page: Awaited<ReturnType<typeof browser>>["page"]) => page.locator("#secure-banner").getAttribute("data-state");

test(
  "over plain http the page offers to wait, stays with ?redir=false or on request, and moves to the quick tunnel once it answers",
  { timeout: 90_000 },
  async (t) => {
    const root = await tempInstanceRoot(t);
    const [front, app] = await Promise.all([freePort(), freePort()]);
    const portal = await startPortal({
      env: await portalTestEnv(root, app, front, {
        CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
        VAST_CONTAINERLABEL: "C.7",
        CONTAINER_ID: "7",
        [`VAST_TCP_PORT_${front}`]: String(front),
        PUBLIC_IPADDR: "127.0.0.1",
      }),
      log: () => {},
    });
    t.after(() => portal.close());
    const edge = await startEdge(t, front);
    const { page } = await browser(t, edge);
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));

    // No tunnel yet: the page says it is waiting for one, and "Stay on http" keeps it here.
    await page.goto(`http://portal.test:${front}/?token=tok`);
    assert.equal(page.url(), `http://portal.test:${front}/`);
    assert.equal(await isSecure(page), false);
    await page.locator("#secure-banner[data-state=waiting]").waitFor();
    await page.click("#secure-skip");
    await page.locator("#secure-banner[data-state=skipped]").waitFor({ state: "attached" });
    assert.equal(await page.locator("#secure-banner").isVisible(), false);
    assert.equal(page.url(), `http://portal.test:${front}/`);
    // The portal's own direct link is the way to stay: it carries redir=false.
    const direct = page.locator('.card[data-app="Instance Portal"] .links a');
    await direct.waitFor({ state: "attached" });
    assert.equal(await direct.getAttribute("href"), `http://127.0.0.1:${front}/?token=tok&redir=false`);

    const created = await get(app, `/start-quick-tunnel/${encodeURIComponent(`http://localhost:${front}`)}`, { method: "POST" });
    const tunnelUrl = (JSON.parse(created.body) as { tunnel_url: string }).tunnel_url;
    assert.match(tunnelUrl, /^https:\/\/\w+(-\w+)+\.trycloudflare\.com$/);

    // ?redir=false (the portal's direct link) stays on http even with a tunnel up.
    await page.goto(`http://portal.test:${front}/?redir=false`);
    await page.locator("#secure-banner[data-state=off]").waitFor({ state: "attached" });
    assert.equal(page.url(), `http://portal.test:${front}/?redir=false`);

    // Otherwise the page moves to the tunnel, carrying the token, and lands there authenticated.
    await page.goto(`http://portal.test:${front}/`);
    await page.waitForURL(`${tunnelUrl}/`, { timeout: 20_000 });
    await page.locator("#instance-id", { hasText: "7" }).waitFor();
    assert.equal(await isSecure(page), true);
    await page.locator("#secure-banner[data-state=off]").waitFor({ state: "attached" });
    assert.deepEqual(errors, []);
  },
);

test(
  "with a named tunnel for the portal, the page moves to it at once; on loopback (a secure context) it stays",
  { timeout: 90_000 },
  async (t) => {
    const root = await tempInstanceRoot(t);
    const [front, app, metrics] = await Promise.all([freePort(), freePort(), freePort()]);
    const portal = await startPortal({
      env: await portalTestEnv(root, app, front, {
        CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
        CF_TUNNEL_TOKEN: "eyJhIjoiMSJ9",
        CLOUDFLARE_METRICS: `127.0.0.1:${metrics}`,
        FAKE_CLOUDFLARED_INGRESS: JSON.stringify([
          { hostname: "portal.named.test", service: `http://localhost:${front}` },
          { service: "http_status:404" },
        ]),
      }),
      log: () => {},
    });
    t.after(() => portal.close());
    await waitFor("the named tunnel's hostnames", async () => (await get(app, "/get-named-tunnels")).status === 200 || undefined, 10_000);
    const edge = await startEdge(t, front);
    const { page } = await browser(t, edge);

    await page.goto(`http://127.0.0.1:${front}/?token=tok`);
    await page.locator("#secure-banner[data-state=off]").waitFor({ state: "attached" });
    assert.equal(page.url(), `http://127.0.0.1:${front}/`);

    await page.goto(`http://portal.test:${front}/?token=tok`);
    await page.waitForURL("https://portal.named.test/", { timeout: 20_000 });
    assert.equal(await isSecure(page), true);
    assert.notEqual(await secureState(page), "waiting");
  },
);
