/**
 * What the capability manifest reads from the machine itself
 * (instance-runtime.md §8.10): listening sockets, Python environments and their
 * package versions, whether the workspace is its own volume, executables on
 * `PATH`. File reads only, no child processes, so a manifest request never
 * stalls the event loop or the log stream (§11 bug 14).
 * @module
 */
import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

/** Ports with a listening TCP socket, or a bound UDP socket, in this network namespace. */
export async function boundPorts(proto: "tcp" | "udp", procNet = "/proc/net"): Promise<Set<number>> {
  // /proc/net/{tcp,udp}[6]: "sl local_address rem_address st ..."; 0A is LISTEN, 07 an unconnected UDP socket.
  const state = proto === "tcp" ? "0A" : "07";
  const ports = new Set<number>();
  for (const file of [proto, `${proto}6`]) {
    const text = await fs.readFile(path.join(procNet, file), "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== state) continue;
      const port = Number.parseInt(cols[1]?.split(":").pop() ?? "", 16);
      if (Number.isInteger(port)) ports.add(port);
    }
  }
  return ports;
}

/** `conda` when `dir` holds `conda-meta/`, `venv` when it holds `pyvenv.cfg`, else undefined. */
export async function environmentKind(dir: string): Promise<"conda" | "venv" | undefined> {
  if (await isDirectory(path.join(dir, "conda-meta"))) return "conda";
  if (
    await fs.stat(path.join(dir, "pyvenv.cfg")).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return "venv";
  return undefined;
}

/**
 * Installed versions of `names` in the environment at `dir`, from its
 * `lib/python*\/site-packages/*.dist-info` folders; null for a package not installed.
 */
export async function packageVersions(dir: string, names: readonly string[]): Promise<Record<string, string | null>> {
  const installed = new Map<string, string>();
  const lib = path.join(dir, "lib");
  for (const py of (await fs.readdir(lib).catch(() => [] as string[])).filter((n) => n.startsWith("python"))) {
    for (const entry of await fs.readdir(path.join(lib, py, "site-packages")).catch(() => [] as string[])) {
      // PEP 427/491: "<name>-<version>.dist-info", with the name's dashes escaped as underscores.
      const m = /^(.+?)-([^-]+)\.dist-info$/.exec(entry);
      if (m !== null) installed.set(normalizePackage(m[1] as string), m[2] as string);
    }
  }
  return Object.fromEntries(names.map((name) => [name, installed.get(normalizePackage(name)) ?? null]));
}

/** PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become `-`. */
function normalizePackage(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** True when `workspace` exists and is on another device than `root` (a mounted volume). */
export async function isSeparateVolume(workspace: string, root: string): Promise<boolean> {
  const [w, r] = await Promise.all([fs.stat(workspace).catch(() => undefined), fs.stat(root).catch(() => undefined)]);
  return w !== undefined && r !== undefined && w.isDirectory() && w.dev !== r.dev;
}

/** True when an executable `name` is in one of `PATH`'s folders. */
export async function onPath(name: string, pathVar: string | undefined): Promise<boolean> {
  for (const dir of (pathVar ?? "").split(":").filter((d) => d !== "")) {
    const ok = await fs.access(path.join(dir, name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}

/**
 * CUDA context when an NVIDIA driver is loaded (`/proc/driver/nvidia/version`
 * under `root`): the driver version, and whether a CUDA toolkit is installed
 * (`nvcc` on `PATH` or `/usr/local/cuda`); undefined without a driver.
 */
export async function cudaInfo(root: string, pathVar: string | undefined): Promise<Record<string, unknown> | undefined> {
  const version = await fs.readFile(path.join(root, "proc/driver/nvidia/version"), "utf8").catch(() => undefined);
  if (version === undefined) return undefined;
  const driver = /\b(\d+\.\d+(?:\.\d+)?)\b/.exec(version.split("\n")[0] ?? "")?.[1] ?? null;
  const toolkit = (await onPath("nvcc", pathVar)) || (await isDirectory(path.join(root, "usr/local/cuda")));
  return {
    driver_version: driver,
    toolkit_installed: toolkit,
    note:
      "CUDA works through the host's driver: never install a driver from apt (it must match the host); install only a " +
      "toolkit the driver supports, or framework wheels that bundle their CUDA runtime.",
  };
}

/** True when `file` exists. */
export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

function isDirectory(dir: string): Promise<boolean> {
  return fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
