/**
 * Every absolute path the portal and the entrypoint touch, resolved under an
 * optional `INSTANCE_ROOT` prefix so the same code runs in a test folder
 * outside a container (issue 5, "Runs anywhere").
 * @module
 */
import path from "node:path";

/** The container paths of instance-runtime.md §1.5, §2, §4, §6 and §7, before prefixing. */
export const InstancePaths = {
  portalYaml: "/etc/portal.yaml",
  portalLinks: "/etc/portal-links.yaml",
  certificate: "/etc/instance.crt",
  privateKey: "/etc/instance.key",
  selfSignedMarker: "/etc/.instance-cert-selfsigned",
  supervisorSocket: "/var/run/supervisor.sock",
  varDir: "/var",
  logDir: "/var/log",
  portalLogDir: "/var/log/portal",
  supervisorSkipDir: "/tmp/supervisor-skip",
  launchMarker: "/.launch",
  capabilitiesDir: "/etc/vast_capabilities.d",
  /** Exists while provisioning runs (the boot's or a portal job's); autostop counts it as activity. */
  provisioningMarker: "/.provisioning",
  provisioningComplete: "/.provisioning_complete",
  provisioningFailed: "/.provisioning_failed",
  rcloneConfig: "/root/.config/rclone/rclone.conf",
  /** The container's TCP tables, where autostop counts open sessions. */
  procNet: "/proc/net",
  /** The container's cgroup, where autostop reads CPU time. */
  cgroup: "/sys/fs/cgroup",
} as const;

/** One of the names in {@link InstancePaths}. */
export type InstancePathName = keyof typeof InstancePaths;

/**
 * The instance root: `INSTANCE_ROOT` when set and non-empty, else `/`.
 * This is the one place outside `config.ts` files that reads the environment,
 * because the entrypoint needs the prefix before any config is parsed.
 */
export function instanceRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.INSTANCE_ROOT;
  if (root === undefined || root === "") return "/";
  if (!path.isAbsolute(root)) {
    throw new TypeError(`INSTANCE_ROOT must be an absolute path, got ${JSON.stringify(root)}`);
  }
  return path.resolve(root);
}

/**
 * Resolve an absolute container path under the instance root.
 * @param containerPath an absolute path as it would be inside the container, e.g. `/etc/portal.yaml`
 * @param root the prefix; defaults to {@link instanceRoot}()
 * @example instancePath('/etc/portal.yaml') // '/etc/portal.yaml', or '/tmp/x/etc/portal.yaml' with INSTANCE_ROOT=/tmp/x
 */
export function instancePath(containerPath: string, root: string = instanceRoot()): string {
  if (!path.isAbsolute(containerPath)) {
    throw new TypeError(`instancePath needs an absolute container path, got ${JSON.stringify(containerPath)}`);
  }
  // path.join keeps `..` from climbing above the root: normalise first, then prefix.
  return path.join(root, path.posix.normalize(containerPath));
}

/** Every path of {@link InstancePaths} resolved under `root`. */
export function resolveInstancePaths(root: string = instanceRoot()): Record<InstancePathName, string> {
  const out = {} as Record<InstancePathName, string>;
  for (const [name, p] of Object.entries(InstancePaths)) out[name as InstancePathName] = instancePath(p, root);
  return out;
}
