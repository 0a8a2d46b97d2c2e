/**
 * One way for the image's container tests to start an instance of IMAGE, in either of two modes:
 *
 * - `docker`: a plain `docker run`, with the variables Vast would inject written by the test
 *   (fast; the default);
 * - `emulator`: rented through the emulator in Docker mode, as Vast starts one (vast-api.md §6):
 *   the image pushed to the local registry, ports requested with `-p` and drawn by the emulator,
 *   `CONTAINER_ID`, `OPEN_BUTTON_TOKEN` and the rest injected by it, a boot being a reboot through the API.
 *
 * `VAST_KIT_TEST_STARTER=emulator` switches the tests that take the mode from the environment
 * (instance-parity, provisioning); tests/image/vast-acceptance.test.ts always uses the emulator.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { freePort } from "../_support/net.ts";
import { waitFor } from "../_support/poll.ts";
import { REGISTRY } from "../_support/probe-image.ts";
import { API_KEY, FAST_TIMINGS, call, cheapestOffer, rent, waitForStatus } from "../emulator/_utils.ts";
import { IMAGE, docker, request } from "./_container.ts";

/** How an instance is started; see the module comment. */
export type StarterMode = "docker" | "emulator";

/** The mode VAST_KIT_TEST_STARTER names (`docker` when unset); anything else is an error. */
export function starterFromEnv(): StarterMode {
  const mode = process.env.VAST_KIT_TEST_STARTER ?? "docker";
  if (mode !== "docker" && mode !== "emulator") throw new Error(`VAST_KIT_TEST_STARTER: must be docker or emulator, got ${mode}`);
  return mode;
}

/** What to start. */
export interface InstanceSpec {
  /** Names the container (docker mode) or the pushed repository (emulator mode). */
  readonly name: string;
  /** The user's variables (Vast's own, such as CONTAINER_ID, are added by the starter). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Container ports published on a host port of the starter's choice, told as VAST_TCP_PORT_<port>;
   * must include the portal's 1111, which the starter waits for.
   */
  readonly ports: readonly number[];
  /**
   * Self-mapped ports (`-p 72299:72299`): a number is drawn, told as VAST_TCP_PORT_<port>, and
   * published as the same number inside and out (vast-api.md §6.1). Defaults to none.
   */
  readonly selfMapped?: readonly number[];
  /**
   * Host files or directories placed in the container at boot, keyed by container path: bind-mounted
   * read-only in docker mode, copied into a derived image in emulator mode (Vast mounts nothing of
   * the renter's). Defaults to none.
   */
  readonly files?: Readonly<Record<string, string>>;
}

/** A started instance. */
export interface Instance {
  /** The container's name, for `docker exec`. */
  readonly container: string;
  /** The portal's token (OPEN_BUTTON_TOKEN). */
  readonly token: string;
  /** The host port a requested container port is published on; a self-mapped port's drawn number. */
  hostPort(containerPort: number): number;
  /** A full container restart: `docker restart`, or a reboot through the Vast API. Resolves once it runs again. */
  reboot(): Promise<void>;
  /** Stop, then start again through the Vast API (emulator mode); `docker stop` + `docker start` otherwise. */
  stopStart(): Promise<void>;
  /** Removes the container, and in emulator mode closes the emulator. */
  close(): Promise<void>;
}

const BOOT_MS = 180_000;

/** Starts `spec` in `mode` and waits until the portal's front answers (401 without the token). */
export async function startInstance(mode: StarterMode, spec: InstanceSpec): Promise<Instance> {
  const instance = mode === "docker" ? await startWithDockerRun(spec) : await startThroughEmulator(spec);
  try {
    await waitForPortal(instance);
  } catch (error) {
    await instance.close();
    throw error;
  }
  return instance;
}

async function waitForPortal(instance: Instance): Promise<void> {
  const url = `http://127.0.0.1:${instance.hostPort(1111)}/`;
  await waitFor(`the portal of ${instance.container}`, async () => (await request(url)).status === 401, BOOT_MS, 500);
}

async function startedAt(container: string): Promise<string> {
  return (await docker("inspect", "-f", "{{.State.StartedAt}}", container)).trim();
}

async function startWithDockerRun(spec: InstanceSpec): Promise<Instance> {
  const container = `vk-test-${spec.name}-${randomBytes(3).toString("hex")}`;
  const token = `tok-${randomBytes(12).toString("hex")}`;
  const id = String(4000 + (randomBytes(2).readUInt16BE() % 1000));
  const hostPorts = new Map<number, number>();
  for (const port of [...spec.ports, ...(spec.selfMapped ?? [])]) hostPorts.set(port, await freePort());
  const publish = [...hostPorts].flatMap(([inside, outside]) => [
    "-p",
    `127.0.0.1:${outside}:${spec.selfMapped?.includes(inside) ? outside : inside}`,
  ]);
  const env = {
    OPEN_BUTTON_TOKEN: token,
    VAST_CONTAINERLABEL: `C.${id}`,
    CONTAINER_ID: id,
    ...Object.fromEntries([...hostPorts].map(([inside, outside]) => [`VAST_TCP_PORT_${inside}`, String(outside)])),
    ...spec.env,
  };
  const mounts = Object.entries(spec.files ?? {}).flatMap(([inside, host]) => ["-v", `${host}:${inside}:ro`]);
  await docker(
    "run",
    "-d",
    "--name",
    container,
    "--stop-timeout",
    "10",
    ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    ...mounts,
    ...publish,
    IMAGE,
  );
  const restarted = async (args: string[][]) => {
    const before = await startedAt(container);
    for (const a of args) await docker(...a);
    assert.notEqual(await startedAt(container), before, "the container started again");
  };
  const instance: Instance = {
    container,
    token,
    hostPort: (port) => hostPorts.get(port) ?? assert.fail(`container port ${port} was not requested`),
    reboot: async () => {
      await restarted([["restart", "-t", "10", container]]);
      await waitForPortal(instance);
    },
    stopStart: async () => {
      await restarted([
        ["stop", "-t", "10", container],
        ["start", container],
      ]);
      await waitForPortal(instance);
    },
    close: async () => void (await docker("rm", "-f", container).catch(() => "")),
  };
  return instance;
}

/** IMAGE, or an image derived from it with `files` copied in, pushed; returns the digest-pinned ref. */
async function pushImage(spec: InstanceSpec): Promise<string> {
  const repository = `${REGISTRY}/vast-kit/${spec.name}`;
  const files = Object.entries(spec.files ?? {});
  if (files.length === 0) {
    await docker("tag", IMAGE, `${repository}:test`);
  } else {
    const context = await fs.mkdtemp(path.join(os.tmpdir(), "vk-instance-"));
    try {
      const copies = await Promise.all(
        files.map(async ([inside, host], i) => {
          await fs.cp(host, path.join(context, String(i)), { recursive: true });
          return `COPY ${i} ${inside}`;
        }),
      );
      await fs.writeFile(path.join(context, "Dockerfile"), [`FROM ${IMAGE}`, ...copies].join("\n") + "\n");
      await docker("build", "-q", "-t", `${repository}:test`, context);
    } finally {
      await fs.rm(context, { recursive: true, force: true });
    }
  }
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(await docker("push", `${repository}:test`))?.[1];
  assert.ok(digest, "the push names a digest");
  return `${repository}@${digest}`;
}

async function startThroughEmulator(spec: InstanceSpec): Promise<Instance> {
  const image = await pushImage(spec);
  const emulator: RunningEmulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, rateLimits: false, docker: true });
  const close = async () => {
    try {
      await emulator.removeContainers();
    } finally {
      await emulator.close();
    }
  };
  try {
    const selfMapped = spec.selfMapped ?? [];
    const requests = [...spec.ports.map((p) => `-p ${p}:${p}`), ...selfMapped.map((p) => `-p ${p}:${p}`)];
    const id = await rent(emulator, (await cheapestOffer(emulator)).id, {
      image,
      runtype: "ssh",
      env: { ...Object.fromEntries(requests.map((r) => [r, "1"])), ...spec.env },
    });
    const shown = await waitForStatus(emulator, id, "running", BOOT_MS);
    const container = `vast-kit-emu-${emulator.containerOwner}-${id}`;
    const inside = await docker("exec", container, "env");
    const told = (port: number) => Number(new RegExp(`^VAST_TCP_PORT_${port}=(\\d+)$`, "m").exec(inside)?.[1]);
    const hostPorts = new Map<number, number>();
    for (const port of spec.ports) hostPorts.set(port, Number(shown.ports[`${port}/tcp`]?.[0]?.HostPort));
    for (const port of selfMapped) hostPorts.set(port, told(port));
    for (const [port, host] of hostPorts) assert.ok(host > 0, `the emulator published container port ${port}`);
    const token = emulator.instanceSecrets(id)?.open_button_token;
    assert.ok(token, "the emulator made an open-button token");
    const waitRunningAgain = async (before: string) => {
      await waitFor(`instance ${id} to start again`, async () => (await startedAt(container)) !== before, BOOT_MS, 500);
      await waitForStatus(emulator, id, "running", BOOT_MS);
      await waitForPortal(instance);
    };
    const put = async (route: string, body?: unknown) => {
      const answer = await call(emulator, "PUT", route, body === undefined ? {} : { body });
      assert.equal(answer.status, 200, `PUT ${route}: ${answer.text}`);
    };
    const instance: Instance = {
      container,
      token,
      hostPort: (port) => hostPorts.get(port) ?? assert.fail(`container port ${port} was not requested`),
      reboot: async () => {
        const before = await startedAt(container);
        await put(`/api/v0/instances/reboot/${id}/`);
        await waitRunningAgain(before);
      },
      stopStart: async () => {
        const before = await startedAt(container);
        await put(`/api/v0/instances/${id}/`, { state: "stopped" });
        await waitForStatus(emulator, id, "exited", BOOT_MS);
        await put(`/api/v0/instances/${id}/`, { state: "running" });
        await waitRunningAgain(before);
      },
      close,
    };
    return instance;
  } catch (error) {
    await close();
    throw error;
  }
}
