/**
 * Killing a whole process tree the way a cancelled CI job or a closed laptop does: every process
 * at once, with SIGKILL, whatever process group it put itself in (Pulumi's language host and its
 * dynamic-provider process each run in their own). Linux only: the tree is read from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";

/** pid → parent pid, for every process there is now. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone since the listing.
    }
  }
  return map;
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const tree: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const pid = queue.shift()!;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue = [...queue, ...(byParent.get(pid) ?? [])];
  }
  return tree;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Those of `pids` that still exist and are not zombies. */
export function stillRunning(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  });
}

/**
 * Freezes the tree under `root` with SIGSTOP until no new process appears in it, then SIGKILLs
 * every process of it, so no child can outlive its parent. Resolves the pids it killed once none
 * of them runs any more.
 */
export async function killTree(root: number): Promise<number[]> {
  let frozen: number[] = [];
  for (;;) {
    const tree = processTree(root).filter((pid) => !frozen.includes(pid));
    if (tree.length === 0) break;
    for (const pid of tree) signal(pid, "SIGSTOP");
    frozen = [...frozen, ...tree];
  }
  for (const pid of frozen) signal(pid, "SIGKILL");
  for (let i = 0; i < 100 && stillRunning(frozen).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return frozen;
}
