/**
 * Drives the real Pulumi CLI on this repository's program with a throwaway file backend and stack
 * config, so tests never touch the developer's `.data/` or stack files.
 */
import { execFile } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, "../..");

export interface PulumiStack {
  stack: string;
  dir: string;
  /** The stack's own config file (`--config-file`). */
  configFile: string;
  /** The environment every `pulumi` command of this stack runs with (backend, passphrase, home). */
  env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` for this stack; rejects with stdout and stderr on a non-zero exit. */
  pulumi(...args: string[]): Promise<string>;
  /** The stack's outputs as JSON; secrets in clear with `showSecrets`. */
  outputs(showSecrets?: boolean): Promise<Record<string, any>>;
  /** `pulumi stack export` (secrets stay encrypted). */
  exportState(): Promise<string>;
}

/**
 * The environment for `pulumi` with a throwaway file backend in `dir` (state, passphrase, plugin
 * home), no update check and no plugin downloads, plus `extra`.
 */
export function fileBackendEnv(dir: string, passphrase: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${dir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: join(dir, ".pulumi"),
    ...extra,
  };
}

/** A fresh stack of the program at `repoRoot`, configured with `config`, removed after the test. */
export async function pulumiStack(t: TestContext, config: Record<string, string>, env: Record<string, string>): Promise<PulumiStack> {
  const dir = await mkdtemp(join(tmpdir(), "vast-kit-engine-"));
  const stack = "test";
  const configFile = join(dir, "Pulumi.test.yaml");
  await writeFile(
    configFile,
    `config:\n${Object.entries(config)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join("\n")}\n`,
  );
  const childEnv = fileBackendEnv(dir, "engine-test-passphrase", env);
  const pulumi = async (...args: string[]) => {
    try {
      const { stdout } = await run("pulumi", [...args, "--stack", stack, "--non-interactive", "--cwd", repoRoot], {
        env: childEnv,
        maxBuffer: 64 << 20,
      });
      return stdout;
    } catch (error) {
      const e = error as { code?: unknown; stdout?: string; stderr?: string };
      if (e.code === "ENOENT") throw new Error("the pulumi CLI is not on PATH: run the tests through `toolchain/run npm test`");
      throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
  };
  await run("pulumi", ["stack", "init", stack, "--non-interactive", "--cwd", repoRoot], { env: childEnv }).catch((error) => {
    throw new Error(`pulumi stack init failed: ${(error as { stderr?: string }).stderr ?? error}`);
  });
  await adoptStackFile(stack, configFile);
  t.after(async () => {
    await run("pulumi", ["stack", "rm", stack, "--yes", "--force", "--non-interactive", "--cwd", repoRoot], { env: childEnv }).catch(
      () => {},
    );
    await rm(dir, { recursive: true, force: true });
  });
  return {
    stack,
    dir,
    configFile,
    env: childEnv,
    pulumi: (...args: string[]) => pulumi(...args, "--config-file", configFile),
    outputs: async (showSecrets = false) =>
      JSON.parse(await pulumi("stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : []))),
    exportState: () => pulumi("stack", "export"),
  };
}

/**
 * `pulumi stack init` writes the stack's passphrase salt to `<repo>/Pulumi.<stack>.yaml` and has no
 * `--config-file` flag; move the salt into the test's own config file so the repository stays clean.
 */
export async function adoptStackFile(stack: string, configFile: string): Promise<void> {
  const written = join(repoRoot, `Pulumi.${stack}.yaml`);
  const text = await readFile(written, "utf8").catch(() => "");
  await appendFile(
    configFile,
    text
      .split("\n")
      .filter((line) => line.startsWith("encryptionsalt:"))
      .join("\n") + "\n",
  );
  await rm(written, { force: true });
}
