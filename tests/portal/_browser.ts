/**
 * Chromium for the page tests, through playwright-core (environment.md): the
 * system's /usr/bin/chromium with the flags this machine needs, a fresh
 * profile, closed and removed after the test.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";

// environment.md: the flags Chromium needs here; playwright adds --headless itself.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser context and its first page; `args` adds flags (host resolver rules, certificate errors). */
export async function launchChromium(t: TestContext, args: readonly string[] = []): Promise<{ context: BrowserContext; page: Page }> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), "portal-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...FLAGS, ...args],
  });
  t.after(async () => {
    await context.close();
    await fs.rm(profile, { recursive: true, force: true });
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}
