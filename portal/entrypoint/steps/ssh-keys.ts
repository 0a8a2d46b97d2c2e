/**
 * Step `ssh-keys`: append every line of root's authorized_keys that a /home/* user lacks to that
 * user's own file, so `user` can log in with the keys Vast installed for root
 * (instance-runtime.md §1.2 stage 46). Modes 700/600, owned by the home directory's owner.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { hostPath } from "../context.ts";
import type { BootStep } from "../step.ts";

async function readLines(file: string): Promise<string[]> {
  try {
    return (await fs.readFile(file, "utf8"))
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== "");
  } catch {
    return [];
  }
}

/** Append the keys of `source` missing from `target`; returns how many were added. */
export async function mergeAuthorizedKeys(source: readonly string[], target: string): Promise<number> {
  const existing = new Set(await readLines(target));
  const missing = source.filter((line) => !existing.has(line));
  if (missing.length > 0) {
    const current = await fs.readFile(target, "utf8").catch(() => "");
    const sep = current === "" || current.endsWith("\n") ? "" : "\n";
    await fs.appendFile(target, `${sep}${missing.join("\n")}\n`);
  }
  return missing.length;
}

/** The `ssh-keys` boot step; see the module comment. */
export const sshKeysStep: BootStep = {
  name: "ssh-keys",
  async run(ctx) {
    if (!ctx.flags.propagateUserKeys) {
      ctx.log.info("--no-user-keys: root SSH keys not copied");
      return;
    }
    const rootSsh = hostPath(ctx, "/root/.ssh");
    await fs.mkdir(rootSsh, { recursive: true, mode: 0o700 });
    await fs.chmod(rootSsh, 0o700);
    const rootKeysFile = path.join(rootSsh, "authorized_keys");
    const rootKeys = await readLines(rootKeysFile);
    const asRoot = process.getuid?.() === 0;
    const homes = await fs.readdir(hostPath(ctx, "/home"), { withFileTypes: true }).catch(() => []);
    const summary: string[] = [];
    for (const entry of homes) {
      if (!entry.isDirectory()) continue;
      const home = hostPath(ctx, `/home/${entry.name}`);
      const owner = await fs.stat(home);
      const sshDir = path.join(home, ".ssh");
      const keys = path.join(sshDir, "authorized_keys");
      await fs.mkdir(sshDir, { recursive: true, mode: 0o700 });
      const added = await mergeAuthorizedKeys(rootKeys, keys);
      await fs.chmod(sshDir, 0o700);
      await fs.chmod(keys, 0o600).catch(async () => {
        await fs.writeFile(keys, "", { mode: 0o600 });
      });
      if (asRoot) {
        await fs.chown(sshDir, owner.uid, owner.gid);
        await fs.chown(keys, owner.uid, owner.gid);
      }
      summary.push(`${entry.name} +${added}`);
    }
    ctx.log.info(`root has ${rootKeys.length} key(s); ${summary.length === 0 ? "no /home users" : summary.join(", ")}`);
    await fs
      .appendFile(hostPath(ctx, "/var/log/portal/ssh-keys.log"), `${new Date().toISOString()} SSH key propagation complete.\n`)
      .catch(() => {});
  },
};
