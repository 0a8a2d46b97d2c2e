/**
 * The official `vastai` CLI from PyPI (vast-api.md §8), run hermetically against an emulator: the
 * pinned version is installed by toolchain/vastai.sh into ~/.cache/vast-kit/vastai-venv (or pointed
 * at by VASTAI_BIN). The CLI exits 0 even when the API answers an error (§5.5), so callers judge
 * stdout and stderr.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

const VASTAI = process.env["VASTAI_BIN"] ?? join(homedir(), ".cache/vast-kit/vastai-venv/bin/vastai");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface VastaiCli {
  /** Runs `vastai <args>`; never rejects. */
  vastai(...args: string[]): Promise<CliResult>;
  /** Runs `vastai <args> --raw`, asserts exit 0 and parses stdout as JSON. */
  raw(...args: string[]): Promise<any>;
}

/** The CLI pointed at `url` with `apiKey`, in a home directory removed after the test. */
export function vastaiCli(t: TestContext, url: string, apiKey: string): VastaiCli {
  assert.ok(existsSync(VASTAI), `vastai CLI not found at ${VASTAI}: run toolchain/vastai.sh, or set VASTAI_BIN`);
  const home = mkdtempSync(join(tmpdir(), "vastai-home-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // A hermetic run (§8.2): no key files, no caches, no update check, no traffic beyond 127.0.0.1.
  const env = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    VAST_URL: url,
    VAST_API_KEY: apiKey,
    VASTAI_NO_UPDATE_CHECK: "1",
    CI: "true",
    NO_COLOR: "1",
    COLUMNS: "200",
  };
  const vastai = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(VASTAI, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
  const raw = async (...args: string[]): Promise<any> => {
    const result = await vastai(...args, "--raw");
    assert.equal(result.code, 0, `vastai ${args.join(" ")}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  return { vastai, raw };
}
