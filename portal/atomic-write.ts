/**
 * Atomic file publication for the in-container programs: readers see the old file or the new one,
 * never a partial or 0600 one.
 * @module
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * Write a file atomically: a temp file in the target's directory (after
 * resolving symlinks), the existing file's mode or `defaultMode`, then rename.
 * The mode is set explicitly so a 0600 temp file is never published (§11 bug 3).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, defaultMode: number): Promise<void> {
  let real = target;
  try {
    real = await fs.realpath(target);
  } catch {
    // A missing target is written where it was named.
  }
  let mode = defaultMode;
  try {
    mode = (await fs.stat(real)).mode & 0o7777;
  } catch {
    // No existing file: use the default mode.
  }
  await fs.mkdir(path.dirname(real), { recursive: true });
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await fs.open(tmp, "wx", 0o600);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, real);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
