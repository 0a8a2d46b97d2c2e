/**
 * Shared by the provisioning tests (in-process and in a container): the stand-in's data — plain
 * files, a Hugging Face repo, a wheel for a PyPI simple index, a bare git repository with a tag.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createZip } from "../../../portal/app/zip.ts";

const run = promisify(execFile);

/** What {@link makeStandinData} made. */
export interface StandinData {
  /** Host path of the bare repository (`repo.git`, tag `v1` holds `hello.txt` "v1", main has "v2"). */
  readonly gitRepo: string;
}

/** The wheel `vkprobe-1.0-py3-none-any.whl`: `import vkprobe; vkprobe.VALUE == "provisioned"`. */
export function probeWheel(): Buffer {
  const files: Record<string, string> = {
    "vkprobe/__init__.py": 'VALUE = "provisioned"\n',
    "vkprobe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: vkprobe\nVersion: 1.0\n",
    "vkprobe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: vast-kit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  };
  const record = Object.entries(files).map(([name, text]) => {
    const digest = createHash("sha256").update(text).digest("base64url");
    return `${name},sha256=${digest},${Buffer.byteLength(text)}`;
  });
  files["vkprobe-1.0.dist-info/RECORD"] = `${record.join("\n")}\nvkprobe-1.0.dist-info/RECORD,,\n`;
  const mtime = new Date("2026-01-01T00:00:00Z");
  return createZip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text), mtime })));
}

/** Lay out the stand-in's files under `dir`. */
export async function makeStandinData(dir: string): Promise<StandinData> {
  await fs.mkdir(path.join(dir, "files"), { recursive: true });
  await fs.writeFile(path.join(dir, "files/model.bin"), "plain model bytes");
  await fs.writeFile(path.join(dir, "files/flaky.bin"), "flaky bytes");
  await fs.mkdir(path.join(dir, "hf/acme/tiny/weights"), { recursive: true });
  await fs.writeFile(path.join(dir, "hf/acme/tiny/config.json"), '{"hidden": 8}');
  await fs.writeFile(path.join(dir, "hf/acme/tiny/weights/part.bin"), "hf weights");
  await fs.mkdir(path.join(dir, "wheels"), { recursive: true });
  await fs.writeFile(path.join(dir, "wheels/vkprobe-1.0-py3-none-any.whl"), probeWheel());
  const work = path.join(dir, "work");
  const gitRepo = path.join(dir, "repo.git");
  const git = (...args: string[]) => run("git", args, { cwd: work });
  await fs.mkdir(work, { recursive: true });
  await git("init", "-q", "-b", "main");
  await fs.writeFile(path.join(work, "hello.txt"), "v1\n");
  await git("add", "hello.txt");
  await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1");
  await git("tag", "v1");
  await fs.writeFile(path.join(work, "hello.txt"), "v2\n");
  await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "v2");
  await run("git", ["clone", "-q", "--bare", work, gitRepo]);
  await fs.rm(work, { recursive: true, force: true });
  return { gitRepo };
}
