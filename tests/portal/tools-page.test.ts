/**
 * The Tools page (instance-runtime.md §4.3): cards from `/etc/portal-links.yaml`
 * (before/after the built-in ones) and `PORTAL_LINKS` (after), each entry
 * checked on its own; a bad entry or file is named on the page and in the log,
 * and the rest still shows. Links are never a way to run script: only http,
 * https and relative URLs, every field rendered as text (checked in Chromium).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { BUILTIN_TOOL_CARDS, isSafeLinkUrl, loadToolsPage } from "../../portal/app/portal-links.ts";
import { startPortal } from "../../portal/server.ts";
import { launchChromium } from "./_browser.ts";
import { freePort, portalTestEnv, tempInstanceRoot } from "./_helpers.ts";

const BUILTIN_LABELS = BUILTIN_TOOL_CARDS.map((c) => c.label);

const LINKS_FILE = `
- label: Model Hub
  url: https://huggingface.co/models
  description: Browse models
  icon: cube
  button_text: Browse
  position: before
  links:
    - { label: Docs, url: /docs }
- label: ComfyUI Manual
  url: https://docs.comfy.org
- label: Evil
  url: "javascript:alert(document.cookie)"
- label: Sneaky
  url: "java\\tscript:alert(1)"
- label: Wrong icon
  url: https://example.com
  icon: skull
- label: Bad secondary
  url: https://example.com
  links:
    - { label: Data, url: "data:text/html,<script>alert(1)</script>" }
- label: Typo
  url: https://example.com
  butten_text: Go
- url: https://example.com/no-label
`;

test("cards come before, between and after the built-in ones; bad entries are left out and named with the field and rule", async (t) => {
  const root = await tempInstanceRoot(t);
  const file = path.join(root, "portal-links.yaml");
  await fs.writeFile(file, LINKS_FILE);
  const page = await loadToolsPage({
    file,
    env: "Grafana|https://grafana.example/d/1|Dashboards, Bad|javascript:alert(1), Relative|/files/|, Missing url",
  });
  assert.deepEqual(
    page.cards.map((c) => [c.label, c.source]),
    [
      ["Model Hub", "file"],
      ...BUILTIN_LABELS.map((l) => [l, "builtin"]),
      ["ComfyUI Manual", "file"],
      ["Grafana", "env"],
      ["Relative", "env"],
    ],
  );
  assert.deepEqual(page.cards[0], {
    label: "Model Hub",
    url: "https://huggingface.co/models",
    description: "Browse models",
    icon: "cube",
    button_text: "Browse",
    position: "before",
    links: [{ label: "Docs", url: "/docs" }],
    source: "file",
  });
  const comfy = page.cards.find((c) => c.label === "ComfyUI Manual");
  assert.deepEqual([comfy?.icon, comfy?.button_text, comfy?.description, comfy?.links], ["link", "Open", "", []]);
  assert.deepEqual(page.cards.at(-2), {
    label: "Grafana",
    url: "https://grafana.example/d/1",
    description: "Dashboards",
    icon: "link",
    button_text: "Open",
    links: [],
    source: "env",
  });
  const unsafe = "must be an http(s) URL or a relative path, without spaces (no javascript:, data: or other schemes)";
  assert.deepEqual(page.errors, [
    `${file}: entry 3: url: ${unsafe}; left out`,
    `${file}: entry 4: url: ${unsafe}; left out`,
    `${file}: entry 5: icon: must be one of link, book, code, terminal, cube, globe, tool, tag, grid, gpu, rocket, image, download, star, zap, database; left out`,
    `${file}: entry 6: links.0.url: ${unsafe}; left out`,
    `${file}: entry 7: entry: Unrecognized key: "butten_text"; left out`,
    `${file}: entry 8: label: is required; left out`,
    `PORTAL_LINKS: entry 2 (Label|URL|Description): url: ${unsafe}; left out`,
    "PORTAL_LINKS: entry 4 (Label|URL|Description): url: is required; left out",
  ]);
});

test("a missing file is the normal case; a file that is not YAML or not a list is one error, and the other cards still show", async (t) => {
  const root = await tempInstanceRoot(t);
  const file = path.join(root, "portal-links.yaml");
  const none = await loadToolsPage({ file, env: undefined });
  assert.deepEqual([none.cards.map((c) => c.label), none.errors], [BUILTIN_LABELS, []]);
  await fs.writeFile(file, "- label: [unclosed\n");
  const broken = await loadToolsPage({ file, env: "Env|https://e.example/" });
  assert.deepEqual(
    broken.cards.map((c) => c.label),
    [...BUILTIN_LABELS, "Env"],
  );
  assert.equal(broken.errors.length, 1);
  assert.match(broken.errors[0] as string, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid YAML \\(`));
  await fs.writeFile(file, "label: not a list\nurl: https://example.com\n");
  assert.deepEqual((await loadToolsPage({ file, env: undefined })).errors, [`${file}: must be a YAML list of links (- label: …, url: …)`]);
});

test("only http, https and relative URLs are links", () => {
  for (const ok of [
    "https://a.example/x?y=1#z",
    "http://1.2.3.4:8080/",
    "/relative",
    "relative/path",
    "#anchor",
    "?q=1",
    "HTTPS://A.EXAMPLE",
  ])
    assert.equal(isSafeLinkUrl(ok), true, ok);
  for (const bad of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:x",
    "data:text/html,x",
    "vbscript:x",
    "file:///etc/passwd",
    "",
    "https://a b",
  ])
    assert.equal(isSafeLinkUrl(bad), false, JSON.stringify(bad));
});

test(
  "the Tools page in Chromium shows the cards in order as text, with safe links, and a bad file's errors on the page and once in the log",
  { timeout: 60_000 },
  async (t) => {
    const root = await tempInstanceRoot(t);
    await fs.mkdir(path.join(root, "etc"), { recursive: true });
    await fs.writeFile(
      path.join(root, "etc/portal-links.yaml"),
      [
        "- label: '<img src=x onerror=alert(1)>Model Hub'",
        "  url: https://huggingface.co/models",
        "  description: '<b>bold?</b>'",
        "  position: before",
        "  links: [{ label: Docs, url: /docs }]",
        "- label: Evil",
        "  url: 'javascript:alert(1)'",
      ].join("\n"),
    );
    const [front, app] = await Promise.all([freePort(), freePort()]);
    const lines: string[] = [];
    const portal = await startPortal({
      env: await portalTestEnv(root, app, front, { PORTAL_LINKS: "Grafana|https://grafana.example/|Dashboards" }),
      log: (l) => lines.push(l),
    });
    t.after(() => portal.close());
    const { page } = await launchChromium(t);
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("dialog", (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`http://127.0.0.1:${front}/?token=tok`);
    await page.click('nav a[data-tab="tools"]');
    await page.locator("#tools .card h2", { hasText: "Grafana" }).waitFor();
    assert.deepEqual(await page.locator("#tools .card h2").allTextContents(), [
      "<img src=x onerror=alert(1)>Model Hub",
      ...BUILTIN_LABELS,
      "Grafana",
    ]);
    assert.equal(await page.locator("#tools img").count(), 0);
    assert.equal(await page.locator("#tools b").count(), 0);
    assert.equal(await page.locator("#tools .card p").first().textContent(), "<b>bold?</b>");
    const hrefs = await page.locator("#tools a").evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    assert.ok(hrefs.length > BUILTIN_LABELS.length + 2);
    for (const href of hrefs) assert.match(href, /^https?:\/\//);
    assert.ok(hrefs.includes(`http://127.0.0.1:${front}/docs`), "a relative link resolves against the portal");
    assert.deepEqual(await page.locator("#tools .card[data-source=file] a").allTextContents(), ["Open", "Docs"]);
    const problem = page.locator("#tools-errors li");
    assert.deepEqual(await problem.allTextContents(), [
      `${path.join(root, "etc/portal-links.yaml")}: entry 2: url: must be an http(s) URL or a relative path, without spaces (no javascript:, data: or other schemes); left out`,
    ]);
    assert.equal(await page.locator("#tools-errors").isVisible(), true);

    await page.reload();
    await page.locator("#tools .card h2", { hasText: "Grafana" }).waitFor();
    assert.equal(lines.filter((l) => l.startsWith("portal: Tools page: ") && l.includes("entry 2: url")).length, 1);
    assert.deepEqual(errors, []);
  },
);
