/**
 * `/system-metrics` (instance-runtime.md §4.1): cgroup-aware memory and CPU
 * (v2 first, then v1), disk of `/`, the workspace volume when it is another
 * device, and GPUs through `nvidia-smi` or `rocm-smi` when present. Child
 * processes run asynchronously with a timeout so they never stall the event
 * loop or the log stream (§11 bug 14); NaN becomes null.
 * @module
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";

/** Options of {@link MetricsCollector}. */
export interface MetricsOptions {
  /** `/sys/fs/cgroup` (override for tests). */
  readonly cgroupRoot?: string;
  /** The path whose disk is reported (the instance root). */
  readonly rootPath: string;
  /** `$WORKSPACE`, reported as `volume` when on another device. */
  readonly workspace: string;
  /** Reported as `environment`: `container` when supervisord runs (the Supervisor tab needs it). */
  readonly isContainer: () => Promise<boolean>;
}

interface CpuSample {
  readonly usageUsec: number;
  readonly at: number;
}

const HUGE = 1e15;
const round1 = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : null);

/** Computes the metrics payload; keeps the last CPU sample for deltas. */
export class MetricsCollector {
  readonly #o: MetricsOptions;
  readonly #cg: string;
  #last: CpuSample | undefined;

  constructor(options: MetricsOptions) {
    this.#o = options;
    this.#cg = options.cgroupRoot ?? "/sys/fs/cgroup";
  }

  /** The `/system-metrics` body. */
  async collect(): Promise<Record<string, unknown>> {
    const [ram, cpu, disk, volume, gpu, container] = await Promise.all([
      this.#memory(),
      this.#cpu(),
      diskUsage(this.#o.rootPath),
      this.#volume(),
      gpus(),
      this.#o.isContainer(),
    ]);
    return { ram, disk, environment: container ? "container" : "host", cpu, ...(volume ? { volume } : {}), gpu };
  }

  async #memory(): Promise<{ total: number; used: number; percent: number | null }> {
    const host = os.totalmem();
    const usable = (n: number | undefined) => (n !== undefined && n > 0 && n < host && n < HUGE ? n : undefined);
    // Prefer the soft limit, then the hard limit (§4.1 metrics details).
    const limit =
      usable(await readNumber(`${this.#cg}/memory.low`)) ??
      usable(await readNumber(`${this.#cg}/memory/memory.soft_limit_in_bytes`)) ??
      usable(await readNumber(`${this.#cg}/memory.max`)) ??
      usable(await readNumber(`${this.#cg}/memory/memory.limit_in_bytes`));
    if (limit !== undefined) {
      const used = (await readNumber(`${this.#cg}/memory.current`)) ?? (await readNumber(`${this.#cg}/memory/memory.usage_in_bytes`)) ?? 0;
      return { total: limit, used, percent: round1((used / limit) * 100) };
    }
    const used = host - os.freemem();
    return { total: host, used, percent: round1((used / host) * 100) };
  }

  async #cpu(): Promise<{ percent: number | null; count: number }> {
    const cores = await this.#quotaCores();
    const sample = async (): Promise<CpuSample | undefined> => {
      const value = await cpuUsageUsec(this.#cg);
      return value === undefined ? undefined : { usageUsec: value, at: performance.now() };
    };
    let previous = this.#last;
    if (previous === undefined) {
      previous = await sample();
      await new Promise((r) => setTimeout(r, 100));
    }
    const now = await sample();
    this.#last = now;
    if (previous === undefined || now === undefined || now.at <= previous.at) {
      const load = os.loadavg()[0] ?? 0;
      return { percent: round1(Math.min(100, (load / cores) * 100)), count: Math.floor(cores) };
    }
    const percent = ((now.usageUsec - previous.usageUsec) / 1000 / (now.at - previous.at) / cores) * 100;
    return { percent: round1(Math.max(0, Math.min(100, percent))), count: Math.max(1, Math.floor(cores)) };
  }

  async #quotaCores(): Promise<number> {
    const max = await fs.readFile(`${this.#cg}/cpu.max`, "utf8").catch(() => undefined);
    const [quota, period] = (max ?? "").trim().split(/\s+/);
    if (quota !== undefined && quota !== "max" && Number(quota) > 0 && Number(period) > 0) return Number(quota) / Number(period);
    const q1 = await readNumber(`${this.#cg}/cpu/cpu.cfs_quota_us`);
    const p1 = await readNumber(`${this.#cg}/cpu/cpu.cfs_period_us`);
    if (q1 !== undefined && q1 > 0 && p1 !== undefined && p1 > 0) return q1 / p1;
    return os.availableParallelism();
  }

  async #volume(): Promise<Record<string, unknown> | undefined> {
    const [root, ws] = await Promise.all([
      fs.stat(this.#o.rootPath).catch(() => undefined),
      fs.stat(this.#o.workspace).catch(() => undefined),
    ]);
    if (root === undefined || ws === undefined || root.dev === ws.dev) return undefined;
    return { path: this.#o.workspace, ...(await diskUsage(this.#o.workspace)) };
  }
}

async function diskUsage(p: string): Promise<{ total: number; used: number; percent: number | null }> {
  const s = await fs.statfs(p);
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  return { total, used, percent: round1(total > 0 ? (used / total) * 100 : Number.NaN) };
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, "utf8").catch(() => undefined);
  if (text === undefined || !/^\d+\s*$/.test(text)) return undefined;
  return Number(text);
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/**
 * CPU time the container's cgroup has used, in µs (v2 `cpu.stat`, then v1 `cpuacct.usage`), or
 * undefined outside a cgroup that shows it. Also read by the autostop watcher.
 */
export async function cpuUsageUsec(cgroupRoot = "/sys/fs/cgroup"): Promise<number | undefined> {
  const stat = await fs.readFile(`${cgroupRoot}/cpu.stat`, "utf8").catch(() => undefined);
  const usec = stat === undefined ? undefined : Number(/usage_usec (\d+)/.exec(stat)?.[1]);
  if (usec !== undefined && !Number.isNaN(usec)) return usec;
  for (const v1 of [`${cgroupRoot}/cpuacct/cpuacct.usage`, `${cgroupRoot}/cpu,cpuacct/cpuacct.usage`]) {
    const ns = await readNumber(v1);
    if (ns !== undefined) return ns / 1000;
  }
  return undefined;
}

/** One GPU's utilisation (%) and memory (MB) as `nvidia-smi` reports it. */
export interface NvidiaGpu {
  readonly load: number;
  readonly used: number;
  readonly total: number;
}

/** The NVIDIA GPUs `nvidia-smi` lists (none when it is missing or fails). Also read by the autostop watcher. */
export async function nvidiaGpus(): Promise<NvidiaGpu[]> {
  const nv = await run("nvidia-smi", ["--query-gpu=utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"]);
  return parseNvidiaCsv(nv ?? "");
}

/** Parses `nvidia-smi --query-gpu=utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`; `[N/A]` reads NaN. */
export function parseNvidiaCsv(text: string): NvidiaGpu[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [load, used, total] = line.split(",").map((v) => Number(v.trim()));
      return { load: load ?? Number.NaN, used: used ?? Number.NaN, total: total ?? Number.NaN };
    });
}

async function gpus(): Promise<Record<string, unknown>> {
  const rows: { load: number; used: number; total: number }[] = await nvidiaGpus();
  const nvidia = rows.length;
  let amd = 0;
  const rocm = await run("rocm-smi", ["--showmeminfo", "vram", "--showuse", "--json"]);
  if (rocm !== undefined) {
    try {
      for (const card of Object.values(JSON.parse(rocm) as Record<string, Record<string, string>>)) {
        const total = Number(card["VRAM Total Memory (B)"]) / 1048576;
        const used = Number(card["VRAM Total Used Memory (B)"]) / 1048576;
        rows.push({ load: Number(card["GPU use (%)"]), used, total });
        amd++;
      }
    } catch {
      // Unparseable rocm-smi output: report NVIDIA GPUs only.
    }
  }
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + (Number.isFinite(f(r)) ? f(r) : 0), 0);
  const memoryUsed = sum((r) => r.used);
  const memoryTotal = sum((r) => r.total);
  return {
    count: rows.length,
    avg_load_percent: rows.length === 0 ? 0 : round1(sum((r) => r.load) / rows.length),
    memory_used: round1(memoryUsed),
    memory_total: round1(memoryTotal),
    memory_percent: memoryTotal > 0 ? round1((memoryUsed / memoryTotal) * 100) : 0,
    memory_unit: "MB",
    ...(nvidia > 0 ? { nvidia_count: nvidia } : {}),
    ...(amd > 0 ? { amd_count: amd } : {}),
  };
}

/** A one-line GPU summary for the landing page (`<n>× <name>, …` or `No GPU detected`). */
export async function gpuSummary(): Promise<string> {
  const names = (await run("nvidia-smi", ["--query-gpu=name", "--format=csv,noheader"])) ?? "";
  const counts = new Map<string, number>();
  for (const name of names
    .split("\n")
    .map((n) => n.trim())
    .filter((n) => n !== ""))
    counts.set(name, (counts.get(name) ?? 0) + 1);
  if (counts.size === 0) return "No GPU detected";
  return [...counts].map(([name, n]) => `${n}× ${name}`).join(", ");
}
