/**
 * Reading an instance's state the way vast-api.md §4.5 recommends, and mapping it to the outputs a
 * user needs next. Pure: no I/O.
 */
import { splitLabel } from "./instance-tag.ts";
import { isOutbid } from "./outbid.ts";
import type { Instance } from "./schemas.ts";

/** Where an instance stands relative to what we are waiting for. */
export type Progress = { kind: "done" } | { kind: "waiting"; status: string } | { kind: "failed"; reason: string };

/** Words in `status_msg` that the official CLI treats as a failed boot (§4.5). */
const errorWords = /error|failed|failure|exception|traceback|oci runtime|permission denied/i;

/** Progress towards "running": ready, still coming up, or never going to make it. */
export function runningProgress(instance: Instance | undefined): Progress {
  if (!instance) return { kind: "failed", reason: "the instance disappeared (destroyed, or never committed)" };
  const actual = instance.actual_status ?? "provisioning";
  const message = instance.status_msg ?? "";
  if (actual === "running" && instance.intended_status === "running") return { kind: "done" };
  if (["exited", "offline", "unknown", "stopped"].includes(actual) || instance.intended_status === "stopped") {
    return { kind: "failed", reason: `it is ${actual} (intended ${instance.intended_status ?? "?"})${message ? `: ${message}` : ""}` };
  }
  if (errorWords.test(message)) return { kind: "failed", reason: `Vast reports: ${message}` };
  return { kind: "waiting", status: actual };
}

/** Progress towards "stopped": a stop is complete when intended is stopped and the container is down (§4.5). */
export function stoppedProgress(instance: Instance | undefined): Progress {
  if (!instance) return { kind: "failed", reason: "the instance disappeared" };
  const actual = instance.actual_status ?? "provisioning";
  if (instance.intended_status === "stopped" && ["exited", "stopped", "offline"].includes(actual)) return { kind: "done" };
  return { kind: "waiting", status: actual };
}

/** Progress towards "gone". */
export function goneProgress(instance: Instance | undefined): Progress {
  return instance ? { kind: "waiting", status: instance.actual_status ?? "provisioning" } : { kind: "done" };
}

/** The host port Vast maps to a container port, e.g. `hostPort(i, "22/tcp")` (§6.2). */
export function hostPort(instance: Instance, containerPort: string): number | undefined {
  const binding = instance.ports?.[containerPort]?.[0];
  return binding ? Number(binding.HostPort) : undefined;
}

/** How to reach the instance over SSH, following the CLI's `ssh-url` logic (§6.2). */
export function sshEndpoint(instance: Instance): { host: string; port: number } | undefined {
  const direct = hostPort(instance, "22/tcp");
  const ip = instance.public_ipaddr?.trim();
  if (direct !== undefined && ip) return { host: ip, port: direct };
  if (instance.ssh_host && instance.ssh_port !== undefined && instance.ssh_port !== null) {
    return { host: instance.ssh_host, port: instance.ssh_port };
  }
  return undefined;
}

/** Observed instance fields as resource outputs (plain JSON; deterministic so a refresh finds no change). */
export interface ObservedInstance {
  instanceId: number;
  /** `actual_status` (`provisioning` while null), or `outbid` for a bid instance that lost its GPU (outbid.ts). */
  status: string;
  /** A bid instance that was outbid: stopped until its bid wins again (outbid.ts). */
  outbid: boolean;
  intendedStatus: string;
  /** The user's part of the Vast label. */
  label: string;
  /** The kit's tag in the Vast label (instance-tag.ts), or null when it carries none. */
  tag: string | null;
  machineId: number | null;
  gpuName: string | null;
  numGpus: number | null;
  dphTotal: number | null;
  publicIp: string | null;
  /** Container port (`"8080/tcp"`) → public host port. Empty while not running. */
  hostPorts: Record<string, number>;
  /** `ssh -p PORT root@HOST`, or null while no SSH endpoint is published. */
  sshCommand: string | null;
}

export function observe(instance: Instance): ObservedInstance {
  const ports: Record<string, number> = {};
  for (const key of Object.keys(instance.ports ?? {}).sort()) {
    const port = hostPort(instance, key);
    if (port !== undefined) ports[key] = port;
  }
  const ssh = sshEndpoint(instance);
  const { userLabel, tag } = splitLabel(instance.label);
  const outbid = isOutbid(instance);
  return {
    instanceId: instance.id,
    status: outbid ? "outbid" : (instance.actual_status ?? "provisioning"),
    outbid,
    intendedStatus: instance.intended_status ?? "running",
    label: userLabel,
    tag: tag?.tag ?? null,
    machineId: instance.machine_id ?? null,
    gpuName: instance.gpu_name ?? null,
    numGpus: instance.num_gpus ?? null,
    dphTotal: instance.dph_total ?? null,
    publicIp: instance.public_ipaddr?.trim() || null,
    hostPorts: ports,
    sshCommand: ssh ? `ssh -p ${ssh.port} root@${ssh.host}` : null,
  };
}
