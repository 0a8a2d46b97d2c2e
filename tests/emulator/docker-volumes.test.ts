/**
 * Volumes in Docker mode against the real engine and the local registry: a network volume mounted
 * by two instances is one Docker volume at each one's mount path (what one writes, the other
 * reads), its data outlives the instances, and deleting the Vast volume removes it; an outbid bid
 * instance's container stops and starts again when its bid wins. Needs `bash toolchain/docker.sh`
 * and `bash toolchain/registry.sh`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { INSTANCE_LABEL, OWNER_LABEL, type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { API_KEY, FAST_TIMINGS, call, cheapestOffer, rent, waitForStatus } from "./_utils.ts";

const DOCKER = "/usr/bin/docker";
/** The Debian stand-in base, pushed to the local registry: it has `sleep` and `sh`, all this needs. */
const IMAGE = "127.0.0.1:5000/vast-kit/volume-probe:test";

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(DOCKER, args, { maxBuffer: 16 << 20, timeout: 120_000 });
  return stdout.trim();
}

/** The container of instance `id` of this emulator, by its labels. */
function containerOf(emulator: RunningEmulator, id: number): Promise<string> {
  return docker("ps", "-q", "--filter", `label=${INSTANCE_LABEL}=${id}`, "--filter", `label=${OWNER_LABEL}=${emulator.containerOwner}`);
}

async function pushImage(): Promise<void> {
  await docker("tag", "vast-kit/debian-base:bookworm", IMAGE);
  await docker("push", IMAGE);
}

test(
  "a network volume mounted by two Docker-mode instances is one Docker volume: one writes, the other reads, the data outlives them, and the delete removes it",
  { timeout: 180_000 },
  async (t) => {
    await pushImage();
    const emulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, docker: true, networkVolumes: true, rateLimits: false });
    t.after(async () => {
      await emulator.removeContainers();
      await emulator.close();
    });
    const [pool] = (await call(emulator, "POST", "/api/v0/network_volumes/search/", { body: { limit: 1 } })).body.offers;
    const volumeId = (await call(emulator, "PUT", "/api/v0/network_volumes/", { body: { size: 5, id: pool.id } })).body.id;
    const boot = async (mountPath: string, exclude?: number) => {
      const offer = await cheapestOffer(emulator, { cluster_id: { eq: pool.cluster_id }, ...(exclude ? { id: { neq: exclude } } : {}) });
      const id = await rent(emulator, offer.id, {
        image: IMAGE,
        runtype: "args",
        args: ["sleep", "600"],
        volume_info: { mount_path: mountPath, create_new: false, volume_id: volumeId },
      });
      await waitForStatus(emulator, id, "running", 60_000);
      const container = await containerOf(emulator, id);
      return { id, container, offerId: offer.id as number };
    };
    const writer = await boot("/shared");
    const reader = await boot("/mnt/data", writer.offerId);

    await docker("exec", writer.container, "sh", "-c", "echo written-by-writer > /shared/note");
    assert.equal(await docker("exec", reader.container, "cat", "/mnt/data/note"), "written-by-writer");

    const name = `vast-kit-emu-${emulator.containerOwner}-V${volumeId}`;
    for (const { id } of [writer, reader]) await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} });
    assert.equal(await docker("volume", "ls", "-q", "--filter", `name=${name}`), name, "the data outlives the instances");

    assert.equal((await call(emulator, "DELETE", `/api/v0/volumes/?id=${volumeId}`, { body: {} })).status, 200);
    let left = name;
    for (let i = 0; i < 100 && left; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await docker("volume", "ls", "-q", "--filter", `name=${name}`);
    }
    assert.equal(left, "", "deleting the Vast volume removes the Docker volume");
  },
);

test(
  "an outbid bid instance's container is stopped, and runs again once a higher bid wins the GPU back",
  { timeout: 180_000 },
  async (t) => {
    await pushImage();
    const emulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, docker: true, rateLimits: false });
    t.after(async () => {
      await emulator.removeContainers();
      await emulator.close();
    });
    const offer = await cheapestOffer(emulator, { type: "bid" });
    const id = await rent(emulator, offer.id, { image: IMAGE, runtype: "args", args: ["sleep", "600"], price: 0.2 });
    await waitForStatus(emulator, id, "running", 60_000);
    const container = await containerOf(emulator, id);
    const running = () => docker("inspect", "--format", "{{.State.Running}}", container);

    emulator.outbid(id, 0.3);
    for (let i = 0; i < 300 && (await running()) === "true"; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await running(), "false", "the outbid instance's container is stopped");
    await call(emulator, "PUT", `/api/v0/instances/bid_price/${id}/`, { body: { client_id: "me", price: 0.35 } });
    await waitForStatus(emulator, id, "running", 60_000);
    assert.equal(await running(), "true");
  },
);
