/**
 * Renders an instance record as the API's Instance object (vast-api.md §3.3.5): state from the
 * timeline at `now`, hardware and location from the rented offer, ports only while running
 * (§6.2), `extra_env` as `[key, value]` pairs and a numeric `start_date`, which the CLI requires.
 */
import type { InstanceRecord, VolumeRecord } from "./db.ts";
import { PUBLIC_IPADDR, portsView } from "./docker-env.ts";
import { stateAt } from "./lifecycle.ts";

const HOURS_PER_MONTH = 730;

/** Hardware fields copied from the offer as they are. */
const OFFER_FIELDS = [
  "machine_id",
  "host_id",
  "bundle_id",
  "num_gpus",
  "gpu_name",
  "gpu_arch",
  "gpu_ram",
  "gpu_frac",
  "gpu_lanes",
  "gpu_mem_bw",
  "bw_nvlink",
  "cpu_name",
  "cpu_arch",
  "cpu_cores",
  "cpu_cores_effective",
  "cpu_ram",
  "disk_name",
  "disk_bw",
  "cuda_max_good",
  "driver_version",
  "os_version",
  "mobo_name",
  "pci_gen",
  "pcie_bw",
  "inet_up",
  "inet_down",
  "inet_up_cost",
  "inet_down_cost",
  "direct_port_count",
  "direct_port_start",
  "direct_port_end",
  "static_ip",
  "geolocation",
  "storage_cost",
  "min_bid",
  "dlperf",
  "total_flops",
  "reliability2",
  "verification",
  "hosting_type",
  "compute_cap",
  "credit_discount_max",
  "duration",
] as const;

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Options of `instanceView`. */
export interface InstanceViewExtras {
  /** Volumes attached to this instance; only the lists carry `volume_info` (§3.3.2). */
  volumes?: Array<Pick<VolumeRecord, "id" | "name" | "size"> & { mountPath?: string }>;
}

/** The Instance object for `record` as of `now` (epoch ms). */
export function instanceView(record: InstanceRecord, now: number, extras: InstanceViewExtras = {}): Record<string, unknown> {
  const step = stateAt(record.timeline, now);
  const { config, offer } = record;
  const running = step.actual === "running";
  const lastRunning = [...record.timeline].reverse().find((s) => s.at <= now && s.actual === "running");
  const gpuCost = config.price ?? Number(offer["dph_base"]);
  const storageHour = (Number(offer["storage_cost"]) * config.disk) / HOURS_PER_MONTH;
  const dphTotal = round(gpuCost + storageHour, 6);
  const geolocation = String(offer["geolocation"] ?? "");
  const view: Record<string, unknown> = {};
  for (const field of OFFER_FIELDS) view[field] = offer[field] ?? null;
  Object.assign(view, {
    id: record.id,
    actual_status: step.actual,
    intended_status: record.intendedStatus,
    cur_state: step.cur,
    next_state: record.intendedStatus,
    status_msg: step.status_msg,
    label: record.label,
    start_date: record.createdAt,
    end_date: record.createdAt + Number(offer["duration"] ?? 0),
    uptime_mins: running && lastRunning ? round((now - lastRunning.at) / 60_000, 2) : null,
    client_run_time: round(now / 1000 - record.createdAt, 3),
    host_run_time: round(now / 1000 - record.createdAt, 3),
    time_remaining: "",
    time_remaining_isbid: "",
    is_bid: config.price !== null,
    image_uuid: config.image,
    image_args: config.args ?? [],
    image_runtype: config.runtype,
    extra_env: Object.entries(config.env),
    onstart: config.onstart,
    args_str: config.argsStr,
    jupyter_token: config.jupyterToken,
    template_id: config.templateId,
    template_hash_id: config.templateHashId,
    template_name: config.templateName,
    public_ipaddr: PUBLIC_IPADDR,
    local_ipaddrs: `172.17.0.2 ${PUBLIC_IPADDR}`,
    ssh_host: `ssh${config.sshIdx}.vast.ai`,
    ssh_port: config.sshPort,
    ssh_idx: String(config.sshIdx),
    machine_dir_ssh_port: config.sshPort - 1,
    ports: running ? portsView(config.ports) : null,
    country_code: geolocation.slice(geolocation.lastIndexOf(",") + 1).trim(),
    gpu_totalram: Number(offer["gpu_total_ram"]),
    gpu_util: running ? 0.0 : null,
    gpu_temp: running ? 38.0 : null,
    cpu_util: running ? 0.5 : null,
    mem_limit: running ? round(Number(offer["cpu_ram"]) / 1000, 3) : null,
    mem_usage: running ? 0.8 : null,
    vmem_usage: running ? 0.3 : null,
    disk_space: config.disk,
    disk_util: running ? 0.05 : null,
    disk_usage: running ? round(config.disk * 0.05, 3) : null,
    dph_base: round(gpuCost, 6),
    dph_total: dphTotal,
    storage_total_cost: round(storageHour, 6),
    vram_costperhour: round(gpuCost / (Number(offer["gpu_total_ram"]) / 1000), 6),
    credit_balance: null,
    credit_discount: null,
    dlperf_per_dphtotal: round(Number(offer["dlperf"]) / dphTotal, 3),
    flops_per_dphtotal: round(Number(offer["total_flops"]) / dphTotal, 3),
    score: round((Number(offer["dlperf"]) / dphTotal) * Number(offer["reliability2"]), 3),
    rentable: true,
    external: false,
    logo: "/static/logos/vastai_small2.png",
    webpage: null,
  });
  if (extras.volumes) {
    view["volume_info"] = extras.volumes.map((volume) => ({
      id: volume.id,
      name: volume.name,
      total_space: volume.size,
      avail_space: volume.size,
      mount_path: volume.mountPath ?? null,
    }));
  }
  return view;
}
