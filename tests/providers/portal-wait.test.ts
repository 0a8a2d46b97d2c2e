/**
 * `waitForPortal` (providers/vast/portal-wait.ts) against the emulator in Docker mode: a probe
 * instance whose "portal" listens on 1111 only when the test says so (a file it creates in the
 * container), over TLS with a self-signed pair or plain HTTP, answering 401 as a front without the
 * token does. Create returns only after the portal answers, so the URL answers at once; a portal
 * that never answers fails the create with VAST_PORTAL_TIMEOUT, the instance still rented and
 * named in the error the engine records it from.
 */
import assert from "node:assert/strict";
import { before, test, type TestContext } from "node:test";
import { Agent, request } from "undici";
import { INSTANCE_LABEL, OWNER_LABEL, startEmulator, type RunningEmulator } from "../../emulator/index.ts";
import type { ProviderSettings } from "../../providers/vast/config.ts";
import { InstanceNotReadyError, VastError, VastErrorCode } from "../../providers/vast/errors.ts";
import type { InstanceInputs } from "../../providers/vast/instance-inputs.ts";
import * as instance from "../../providers/vast/instance-provider.ts";
import type { InstanceOutputs } from "../../providers/vast/instance-provider.ts";
import { buildPortalProbeImage, docker } from "../_support/probe-image.ts";
import { emulatorFor, testApiKey } from "./_emulator.ts";

const cheap4090 = { filter: { gpu_name: { eq: "RTX 4090" }, num_gpus: { eq: 1 } }, maxPricePerHour: 5 };
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

let probeRef = "";
let resources = 0;

before(async () => {
  probeRef = await buildPortalProbeImage();
});

async function dockerEmulator(t: TestContext): Promise<{ emulator: RunningEmulator; settings: ProviderSettings }> {
  const timings = { schedulingMs: 50, loadingMs: 150, stoppingMs: 50, startingMs: 50, rebootMs: 50 };
  const emulator = await startEmulator({ apiKey: testApiKey, timings, docker: true });
  // The containers go with the emulator; destroying through the API as well would race their removal.
  t.after(async () => {
    try {
      await emulator.removeContainers();
    } finally {
      await emulator.close();
    }
  });
  return { emulator, settings: { apiUrl: emulator.url, apiKey: testApiKey } };
}

async function checked(raw: Record<string, unknown>): Promise<InstanceInputs> {
  const result = await instance.check({}, { owner: { project: "p", stack: "s", resource: `portal${++resources}` }, ...raw });
  assert.equal(result.failures, undefined, JSON.stringify(result.failures));
  return result.inputs as InstanceInputs;
}

/** Collects the provider's progress lines (stderr) until the test ends. */
function progressLines(t: TestContext): string[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  t.after(() => void (console.error = original));
  return lines;
}

async function until(what: string, ready: () => boolean, timeoutMs = 90_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ready(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function portalStatus(url: string): Promise<number> {
  const res = await request(url, { dispatcher: insecure, headersTimeout: 5000, bodyTimeout: 5000 });
  await res.body.dump();
  return res.statusCode;
}

test(
  "create returns only once the portal answers through its published port, so its URL answers at once",
  { timeout: 180_000 },
  async (t) => {
    const { emulator, settings } = await dockerEmulator(t);
    const lines = progressLines(t);
    const inputs = await checked({ offer: cheap4090, image: probeRef, ports: ["1111"], waitForPortal: { timeoutSeconds: 150 } });
    let settled = false;
    const creating = instance.create(settings, inputs).finally(() => (settled = true));
    // Awaited below; this only keeps a failure before that from surfacing as an unhandled rejection.
    creating.catch(() => undefined);
    await until("a refused portal probe", () => lines.some((line) => / portal at 127\.0\.0\.1:\d+: /.test(line)));
    assert.equal(settled, false, "create is still waiting while the instance runs but its portal does not answer");
    const [id] = emulator.listInstances().map((i) => i.id);
    assert.equal(emulator.listInstances()[0]?.actual_status, "running");
    const container = await docker(
      "ps",
      "-q",
      "--filter",
      `label=${INSTANCE_LABEL}=${id}`,
      "--filter",
      `label=${OWNER_LABEL}=${emulator.containerOwner}`,
    );
    await docker("exec", container, "touch", "/tmp/go");

    const outs = (await creating).outs as InstanceOutputs;
    const port = outs.hostPorts["1111/tcp"];
    assert.equal(await portalStatus(`https://127.0.0.1:${port}/`), 401, "the portal URL answers right after create");
    assert.ok(
      lines.some((line) => line === `vast instance ${id}: portal answers (HTTP 401)`),
      lines.join("\n"),
    );
  },
);

test("a front without TLS is probed over plain HTTP", { timeout: 180_000 }, async (t) => {
  const { settings } = await dockerEmulator(t);
  progressLines(t);
  const env = { PORTAL_SCHEME: "http", LISTEN_AT_ONCE: "1" };
  const inputs = await checked({ offer: cheap4090, image: probeRef, ports: ["1111"], env, waitForPortal: true });
  const created = await instance.create(settings, inputs);
  const port = (created.outs as InstanceOutputs).hostPorts["1111/tcp"];
  assert.equal(await portalStatus(`http://127.0.0.1:${port}/`), 401);
});

test(
  "a portal that never answers fails the create with VAST_PORTAL_TIMEOUT and leaves the instance rented and recorded",
  { timeout: 180_000 },
  async (t) => {
    const { emulator, settings } = await dockerEmulator(t);
    const lines = progressLines(t);
    const inputs = await checked({ offer: cheap4090, image: probeRef, ports: ["1111"], waitForPortal: { timeoutSeconds: 3 } });
    const error = await instance.create(settings, inputs).then(
      () => assert.fail("create should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InstanceNotReadyError, String(error));
    const [rented] = emulator.listInstances();
    assert.ok(rented, "the instance is still rented");
    // These three fields are what the engine records the partially created instance from (pulumi.md §2.2).
    assert.equal(error.id, String(rented.id));
    assert.equal(error.properties["instanceId"], rented.id);
    assert.equal((error.cause as VastError).code, VastErrorCode.portalTimeout);
    assert.match(error.message, /the portal of instance \d+ did not answer at 127\.0\.0\.1:\d+ \(container port 1111\) within 3 s/);
    assert.match(error.message, /It is recorded in the stack/);
    assert.ok(
      lines.some((line) => /portal at 127\.0\.0\.1:\d+: /.test(line)),
      "the wait's progress was shown",
    );
  },
);

test("a portal port the instance does not publish fails at once with VAST_PORTAL_UNPUBLISHED", async (t) => {
  const { emulator, settings } = await emulatorFor(t);
  progressLines(t);
  const inputs = await checked({ offer: cheap4090, image: "img:tag", ports: ["8080"], waitForPortal: { port: 1111 } });
  const error = await instance.create(settings, inputs).then(
    () => assert.fail("create should fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InstanceNotReadyError);
  assert.equal((error.cause as VastError).code, VastErrorCode.portalUnpublished);
  assert.match(error.message, /publishes no port for the portal \(1111\/tcp\); open that port or turn waitForPortal off/);
  assert.equal(emulator.listInstances().length, 1, "recorded, not orphaned: the error names it for the engine");
});

test("a bad waitForPortal is refused by check, naming the field and the rule", async () => {
  const owner = { project: "p", stack: "s", resource: "bad" };
  for (const [waitForPortal, rule] of [
    [{ timeoutSeconds: 0 }, /more than 0/],
    [{ port: 70000 }, /container port from 1 to 65535/],
    [{ seconds: 5 }, /seconds/],
  ] as const) {
    const result = await instance.check({}, { owner, offer: cheap4090, image: "img", waitForPortal });
    const failure = result.failures?.find((f) => f.property === "waitForPortal");
    assert.ok(failure, JSON.stringify(result.failures));
    assert.match(failure.reason, rule);
  }
});
