/**
 * A throwaway Pulumi program that imports the kit by package name, as a team repository does,
 * from this checkout: its own folder, file backend and `dev` stack, removed after the test.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { fileBackendEnv, repoRoot } from "./pulumi.ts";

const run = promisify(execFile);

export interface ThrowawayProgram {
  /** Runs `pulumi <args>` on the `dev` stack; rejects with stdout and stderr on a non-zero exit. */
  pulumi(...args: string[]): Promise<string>;
  /** The stack's outputs as JSON. */
  outputs(): Promise<Record<string, any>>;
}

/** Writes `program` as `index.ts` of a new project `name`, inits its `dev` stack with `env`, and removes it all after the test. */
export async function throwawayProgram(
  t: TestContext,
  name: string,
  program: string,
  env: Record<string, string>,
): Promise<ThrowawayProgram> {
  const dir = await mkdtemp(join(tmpdir(), `vast-kit-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "node_modules"));
  await symlink(repoRoot, join(dir, "node_modules", "vast-kit"));
  await symlink(join(repoRoot, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  await writeFile(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.ts\n`);
  await writeFile(join(dir, "index.ts"), program);
  const childEnv = fileBackendEnv(dir, name, env);
  await run("pulumi", ["stack", "init", "dev", "--non-interactive", "--cwd", dir], { env: childEnv });
  const pulumi = async (...args: string[]) =>
    (
      await run("pulumi", [...args, "--stack", "dev", "--non-interactive", "--cwd", dir], { env: childEnv, maxBuffer: 64 << 20 }).catch(
        (e) => {
          throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
        },
      )
    ).stdout;
  return { pulumi, outputs: async () => JSON.parse(await pulumi("stack", "output", "--json")) };
}
