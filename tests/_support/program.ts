/**
 * A throwaway Pulumi program in its own folder that imports the kit by package name, as a team
 * repository does (from this checkout, through node_modules symlinks), with a file backend and the
 * `dev` stack initialised: for engine tests of resources the repository's own program does not use.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { fileBackendEnv, repoRoot } from "./pulumi.ts";

const run = promisify(execFile);

export interface ProgramStack {
  dir: string;
  /** The environment `pulumi` runs with (file backend, passphrase, `env`). */
  env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` on the `dev` stack; rejects with stdout and stderr on a non-zero exit. */
  pulumi(...args: string[]): Promise<string>;
  /** The stack's outputs as JSON. */
  outputs(): Promise<Record<string, any>>;
  /** Sets stack config keys (plain values). */
  config(values: Record<string, string>): Promise<void>;
}

/** `source` as `index.ts` of a new project `name`, its `dev` stack pointed at `env` (e.g. `VAST_API_KEY`); removed after the test. */
export async function programStack(t: TestContext, name: string, source: string, env: Record<string, string>): Promise<ProgramStack> {
  const dir = await mkdtemp(join(tmpdir(), `vast-kit-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "node_modules"));
  await symlink(repoRoot, join(dir, "node_modules", "vast-kit"));
  await symlink(join(repoRoot, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  await writeFile(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n`);
  await writeFile(join(dir, "index.ts"), source);
  const childEnv = fileBackendEnv(dir, name, env);
  const pulumi = async (...args: string[]) =>
    (
      await run("pulumi", [...args, "--stack", "dev", "--non-interactive", "--cwd", dir], { env: childEnv, maxBuffer: 64 << 20 }).catch(
        (e) => {
          throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
        },
      )
    ).stdout;
  await run("pulumi", ["stack", "init", "dev", "--non-interactive", "--cwd", dir], { env: childEnv });
  return {
    dir,
    env: childEnv,
    pulumi,
    outputs: async () => JSON.parse(await pulumi("stack", "output", "--json")),
    config: async (values) => {
      for (const [key, value] of Object.entries(values)) await pulumi("config", "set", key, value);
    },
  };
}
