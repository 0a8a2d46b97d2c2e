/**
 * The image's direct-port code under the emulator as on Vast (issue 11, vast-api.md §6.1): an
 * instance of the built image that asks for the self-mapped sync port (`-p 72299:72299`) is told
 * the number drawn as VAST_TCP_PORT_72299, and Syncthing listens there, inside and through the
 * published host port, not on its unpublished default 22000 (instance-runtime.md §8.6).
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { waitFor } from "../_support/poll.ts";
import { API_KEY, FAST_TIMINGS, cheapestOffer, rent, waitForStatus } from "../emulator/_utils.ts";
import { REGISTRY } from "../_support/probe-image.ts";
import { IMAGE, buildImage, docker, exec, requireDocker } from "./_container.ts";

/** True once something accepts a TCP connection on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true)).once("error", () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}

test(
  "Syncthing listens on the self-mapped port the emulator draws, inside and through the published host port",
  { timeout: 20 * 60_000 },
  async (t) => {
    await requireDocker();
    await buildImage();
    const repository = `${REGISTRY}/vast-kit/identity-port`;
    await docker("tag", IMAGE, `${repository}:test`);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(await docker("push", `${repository}:test`))?.[1];
    assert.ok(digest, "the push names a digest");

    const emulator = await startEmulator({ apiKey: API_KEY, timings: FAST_TIMINGS, rateLimits: false, docker: true });
    t.after(async () => {
      try {
        await emulator.removeContainers();
      } finally {
        await emulator.close();
      }
    });
    const id = await rent(emulator, (await cheapestOffer(emulator)).id, {
      image: `${repository}@${digest}`,
      runtype: "ssh",
      env: { "-p 1111:1111": "1", "-p 72299:72299": "1" },
    });
    const instance = await waitForStatus(emulator, id, "running", 120_000);
    const container = `vast-kit-emu-${emulator.containerOwner}-${id}`;
    const drawn = (await exec(container, 'printf %s "$VAST_TCP_PORT_72299"')).trim();
    assert.match(drawn, /^\d+$/, "the container is told the port drawn for 72299");
    assert.equal(instance.ports[`${drawn}/tcp`]?.[0]?.HostPort, drawn, "the same number inside and out");
    assert.equal(instance.ports["72299/tcp"], undefined, "no binding under the requested number");

    const listening = async (port: string) => (await exec(container, `ss -Htln "sport = :${port}"`)).trim() !== "";
    await waitFor(`syncthing on ${drawn}`, () => listening(drawn), 120_000, 500);
    // Syncthing starts on its default and leaves it once the wrapper's settings apply.
    await waitFor("syncthing off its unpublished default port 22000", async () => !(await listening("22000")), 30_000, 500);
    assert.equal(await accepts(Number(drawn)), true, "reachable through the published host port");
  },
);
