/**
 * The container an instance becomes in Docker mode, worked out from its record alone (no Docker
 * calls): name and labels, the environment, the entry command for its runtype, and the bindings.
 *
 * - Env, later entries winning: account secrets (§3.7 "injected into every container"), the
 *   instance's env with the template's merged in at create (§3.2.3; the `-p`/`-h`/`-v`/`-n` flag
 *   keys are not variables), then what the platform injects (§6.2–§6.4): `CONTAINER_ID`,
 *   `VAST_CONTAINERLABEL` ("C.<id>"), `CONTAINER_API_KEY`, `PUBLIC_IPADDR`, `OPEN_BUTTON_TOKEN`
 *   (a supplied value is overwritten), `VAST_TCP_PORT_<n>`/`VAST_UDP_PORT_<n>` per requested port
 *   (for an identity request, ≥ 70000, the number drawn: `VAST_TCP_PORT_72299=41234`),
 *   `GPU_COUNT` (the offer's), `SSH_PUBLIC_KEY` (the instance's keys, one a line, when it has any),
 *   and `JUPYTER_TOKEN` unless the env sets one (§6.3 lets a template point it elsewhere).
 * - ssh/jupyter runtypes keep the image's ENTRYPOINT and CMD. Vast would start its own launcher
 *   and run `onstart` from it after every container start; here `onstart` is run with `/bin/sh -c`
 *   inside the container (`docker exec -d`) after every start. No sshd or Jupyter is added.
 * - args runtype: `args` (or `args_str` split on whitespace) replace the image's CMD. A non-empty
 *   `onstart` replaces the ENTRYPOINT, run by `/bin/sh -c` with the args after it, because the CLI
 *   sends its `--entrypoint` value in that field (§3.2).
 * - Each Vast volume the instance mounts is a named Docker volume at its mount path, shared by
 *   every instance that mounts it and removed with the Vast volume.
 * - The pull logs in with `image_login`, or the template's `docker_login_*` carried over (§3.2.3).
 */
import { PUBLIC_IPADDR, boundPorts } from "./docker-env.ts";
import type { ContainerConfig, RegistryAuth } from "./docker-runtime.ts";
import type { InstanceConfig, InstanceRecord } from "./records.ts";

/** Container label holding the instance id. */
export const INSTANCE_LABEL = "vast-kit.emulator.instance";
/** Container label holding the owner: a hash of the state file path, so emulators on other state files keep their hands off. */
export const OWNER_LABEL = "vast-kit.emulator.state";

/** A container to create, and the command to run in it after every start. */
export interface ContainerPlan {
  config: ContainerConfig;
  /** `onstart` for ssh/jupyter runtypes, as an exec command; null when there is none. */
  onstart: string[] | null;
}

/** What the account adds to a container: its secrets (§3.7) and the SSH keys attached to the instance (§3.6). */
export interface AccountExtras {
  secrets: Array<{ key: string; value: string }>;
  sshKeys: string[];
  /** The Vast volumes the instance mounts (vast-api-more.md §2): each becomes a named Docker volume. Defaults to none. */
  volumes?: Array<{ volumeId: number; mountPath: string }>;
}

/** Label on the Docker volume behind a Vast volume, holding its id. */
export const VOLUME_LABEL = "vast-kit.emulator.volume";

/** The Docker volume behind Vast volume `volumeId` for an emulator `owner`: one per Vast volume, shared by every instance that mounts it. */
export function dockerVolumeName(owner: string, volumeId: number): string {
  return `vast-kit-emu-${owner}-V${volumeId}`;
}

/** The platform's variables for an instance (§6.2, §6.4), given its bindings. */
function injectedEnv(record: InstanceRecord, sshKeys: string[]): Record<string, string> {
  const { config, id } = record;
  const env: Record<string, string> = {
    CONTAINER_ID: String(id),
    VAST_CONTAINERLABEL: `C.${id}`,
    CONTAINER_API_KEY: config.instanceApiKey,
    PUBLIC_IPADDR,
    OPEN_BUTTON_TOKEN: config.openButtonToken,
    GPU_COUNT: String(record.offer["num_gpus"] ?? 1),
  };
  if (sshKeys.length > 0) env["SSH_PUBLIC_KEY"] = sshKeys.join("\n");
  for (const [key, hostPort] of Object.entries(config.ports)) {
    const [port = "", proto = "tcp"] = key.split("/");
    env[`VAST_${proto.toUpperCase()}_PORT_${port}`] = hostPort;
  }
  return env;
}

/**
 * The container for `record`, owned by `owner`, with what the account adds. `apiUrl`, the emulator
 * as the container reaches it, is injected as `VAST_API_URL`: real Vast injects no such variable
 * (processes inside call https://console.vast.ai), so the image reads it with that default.
 */
export function containerPlan(record: InstanceRecord, owner: string, account: AccountExtras, apiUrl?: string): ContainerPlan {
  const { config, id } = record;
  const env: Record<string, string> = {};
  for (const { key, value } of account.secrets) env[key] = value;
  for (const [key, value] of Object.entries(config.env)) if (!key.startsWith("-")) env[key] = value;
  env["JUPYTER_TOKEN"] ??= config.jupyterToken;
  Object.assign(env, injectedEnv(record, account.sshKeys));
  if (apiUrl !== undefined) env["VAST_API_URL"] = apiUrl;

  const argsMode = config.runtype.split(" ")[0] === "args";
  const onstart = config.onstart?.trim() ? config.onstart : null;
  const cmd = config.args ?? (config.argsStr?.trim() ? config.argsStr.trim().split(/\s+/) : undefined);
  const hostname = config.env["-h"];
  return {
    config: {
      name: `vast-kit-emu-${owner}-${id}`,
      image: config.image,
      env,
      labels: { [INSTANCE_LABEL]: String(id), [OWNER_LABEL]: owner },
      ...(argsMode && onstart ? { entrypoint: ["/bin/sh", "-c", `${onstart} "$@"`, "onstart"] } : {}),
      ...(argsMode && cmd ? { cmd } : {}),
      ...(hostname ? { hostname } : {}),
      ports: boundPorts(config.ports),
      ...(account.volumes?.length
        ? {
            volumes: account.volumes.map((v) => ({
              name: dockerVolumeName(owner, v.volumeId),
              target: v.mountPath,
              labels: { [OWNER_LABEL]: owner, [VOLUME_LABEL]: String(v.volumeId) },
            })),
          }
        : {}),
    },
    onstart: !argsMode && onstart ? ["/bin/sh", "-c", onstart] : null,
  };
}

/**
 * The pull's credentials from `image_login` (`-u USER -p TOKEN [REGISTRY]`, the arguments of
 * `docker login`, §3.2). Without a registry in it, the image's own registry host is meant.
 */
export function registryAuth(config: InstanceConfig): RegistryAuth | undefined {
  if (!config.imageLogin) return undefined;
  const tokens = config.imageLogin.trim().split(/\s+/);
  let username = "";
  let password = "";
  let server = "";
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token === "-u" || token === "--username") username = tokens[++i] ?? "";
    else if (token === "-p" || token === "--password") password = tokens[++i] ?? "";
    else server = token;
  }
  if (!username || !password) return undefined;
  const first = config.image.split("/")[0] ?? "";
  const imageRegistry = config.image.includes("/") && /[.:]|^localhost$/.test(first) ? first : "docker.io";
  return { username, password, serveraddress: server || imageRegistry };
}
