/**
 * What counts as activity for autostop, sampled from inside the container:
 *
 * - **Sessions**: established TCP connections to a port the container listens on for the outside
 *   (any address but loopback). That is every portal front (the landing page's live-log socket,
 *   Jupyter kernels and terminals through the portal, any proxied app), direct ports, and sshd on
 *   22 (Vast's ssh and its proxy both end there). Loopback-only listeners (the apps behind the
 *   fronts) are left out, so one browser tab is one session, not two. Idle keep-alive connections
 *   close after 5 s (listen.ts), so they do not hold the instance up.
 * - **CPU**: the container's cgroup CPU time between two samples, in % of one core (one busy
 *   process is activity however many cores the machine has).
 * - **GPU**: the busiest GPU's utilisation from `nvidia-smi`, where it exists.
 * - **Provisioning**: `/.provisioning` exists (provisioning-lock.ts) while provisioning runs.
 * @module
 */
import fs from "node:fs/promises";
import { cpuUsageUsec, nvidiaGpus } from "../app/metrics.ts";

/** One socket line of `/proc/net/tcp` or `/proc/net/tcp6`. */
export interface TcpSocket {
  readonly localAddress: string;
  readonly localPort: number;
  /** Kernel state: `0A` listen, `01` established. */
  readonly state: string;
}

/** Parses `/proc/net/tcp{,6}` (addresses stay in the kernel's hex). */
export function parseTcpTable(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    const colon = local?.lastIndexOf(":") ?? -1;
    if (local === undefined || state === undefined || colon < 0) continue;
    out.push({ localAddress: local.slice(0, colon), localPort: Number.parseInt(local.slice(colon + 1), 16), state });
  }
  return out;
}

/** Whether a kernel hex address is loopback: 127/8 (bytes in host order), `::1`, or `::ffff:127.x.x.x`. */
export function isLoopbackHex(address: string): boolean {
  if (address.length === 8) return address.slice(6, 8).toUpperCase() === "7F";
  const upper = address.toUpperCase();
  return upper === "00000000000000000000000001000000" || (upper.startsWith("0000000000000000FFFF0000") && upper.slice(30, 32) === "7F");
}

/** Established connections to ports that listen on a non-loopback address. */
export function countSessions(sockets: readonly TcpSocket[]): number {
  const open = new Set(sockets.filter((s) => s.state === "0A" && !isLoopbackHex(s.localAddress)).map((s) => s.localPort));
  return sockets.filter((s) => s.state === "01" && open.has(s.localPort)).length;
}

/** One sample: the figures, and the reasons it counts as activity (empty when idle). */
export interface ActivitySample {
  readonly sessions: number;
  /** % of one core since the previous sample; undefined on the first or without a cgroup. */
  readonly cpuPercent: number | undefined;
  /** The busiest GPU's utilisation; undefined without `nvidia-smi`. */
  readonly gpuPercent: number | undefined;
  readonly provisioning: boolean;
  readonly reasons: readonly string[];
}

/** Options of {@link ActivityProbe}. */
export interface ActivityProbeOptions {
  readonly cpuThreshold: number;
  readonly gpuThreshold: number;
  /** `/.provisioning` under the instance root. */
  readonly provisioningLock: string;
  /** `/proc/net` under the instance root. */
  readonly procNet: string;
  /** `/sys/fs/cgroup` under the instance root. */
  readonly cgroupRoot: string;
}

/** Samples activity; keeps the previous CPU reading for the delta. */
export class ActivityProbe {
  readonly #o: ActivityProbeOptions;
  #lastCpu: { usec: number; at: number } | undefined;

  constructor(options: ActivityProbeOptions) {
    this.#o = options;
  }

  /** Takes one sample. */
  async sample(): Promise<ActivitySample> {
    const procNet = this.#o.procNet;
    const [tcp4, tcp6, usec, gpus, provisioning] = await Promise.all([
      fs.readFile(`${procNet}/tcp`, "utf8").catch(() => ""),
      fs.readFile(`${procNet}/tcp6`, "utf8").catch(() => ""),
      cpuUsageUsec(this.#o.cgroupRoot),
      nvidiaGpus(),
      fs.access(this.#o.provisioningLock).then(
        () => true,
        () => false,
      ),
    ]);
    const sessions = countSessions([...parseTcpTable(tcp4), ...parseTcpTable(tcp6)]);
    const at = performance.now();
    const previous = this.#lastCpu;
    this.#lastCpu = usec === undefined ? undefined : { usec, at };
    const cpuPercent =
      usec === undefined || previous === undefined || at <= previous.at
        ? undefined
        : ((usec - previous.usec) / 1000 / (at - previous.at)) * 100;
    const loads = gpus.map((g) => g.load).filter((l) => Number.isFinite(l));
    const gpuPercent = loads.length === 0 ? undefined : Math.max(...loads);

    const reasons: string[] = [];
    if (sessions > 0) reasons.push(`${sessions} open session${sessions === 1 ? "" : "s"}`);
    if (cpuPercent !== undefined && cpuPercent > this.#o.cpuThreshold)
      reasons.push(`CPU ${cpuPercent.toFixed(1)}% of a core > ${this.#o.cpuThreshold}%`);
    if (gpuPercent !== undefined && gpuPercent > this.#o.gpuThreshold) reasons.push(`GPU ${gpuPercent}% > ${this.#o.gpuThreshold}%`);
    if (provisioning) reasons.push("provisioning running");
    return { sessions, cpuPercent, gpuPercent, provisioning, reasons };
  }
}
