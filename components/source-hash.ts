/** A content hash of the files an image build reads, so a source change (and only that) rebuilds. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** sha256 over every file under `roots` (sorted, path and content), skipping names in `ignore`. */
export function hashSources(base: string, roots: readonly string[], ignore: readonly string[] = ["node_modules", ".git"]): string {
  const hash = createHash("sha256");
  const files: string[] = [];
  const walk = (path: string) => {
    if (ignore.some((name) => path.split("/").includes(name))) return;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else {
      files.push(path);
    }
  };
  for (const root of roots) walk(join(base, root));
  for (const file of files.sort()) {
    hash.update(relative(base, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}
