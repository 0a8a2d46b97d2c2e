/**
 * Interruption, as a cancelled CI job or a closed laptop does it: the whole `pulumi` process tree
 * (CLI, language host, dynamic-provider process, each in its own process group) is SIGKILLed at
 * each moment that matters, then the documented recovery (`npm run recover`) runs, and we count:
 * instances billing on the emulator = instances in the stack's state = the desired count, every
 * one running; after a destroy, zero. The emulator enforces Vast's rate limits and instances take
 * seconds to boot, so each window is real.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { test, type TestContext } from "node:test";
import { startEmulator, type Faults, type RunningEmulator } from "../../emulator/index.ts";
import { killTree, stillRunning } from "../_support/process-tree.ts";
import { pulumiStack, repoRoot, type PulumiStack } from "../_support/pulumi.ts";

const apiKey = "interruption-test-key-93be1d";
const timings = { schedulingMs: 1000, loadingMs: 3000, stoppingMs: 200, startingMs: 200, rebootMs: 200 };
const desired = 5;

interface Scene {
  emulator: RunningEmulator;
  stack: PulumiStack;
}

async function scene(t: TestContext, faults: Faults = {}): Promise<Scene> {
  const emulator = await startEmulator({ apiKey, timings, faults });
  t.after(() => emulator.close());
  const stack = await pulumiStack(
    t,
    {
      "vast:apiUrl": emulator.url,
      "vast-kit:image": "vastai/base-image:test",
      "vast-kit:instanceCount": String(desired),
      "vast-kit:maxPricePerHour": "5",
      // The emulator's simulated instances run no portal: nothing would ever answer.
      "vast-kit:waitForPortal": "false",
    },
    { VAST_API_KEY: apiKey },
  );
  return { emulator, stack };
}

/** Starts `pulumi <args>` for the stack in a process group of its own, as a terminal or CI runner does. */
function startPulumi(stack: PulumiStack, ...args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(
    "pulumi",
    [...args, "--yes", "--non-interactive", "--stack", stack.stack, "--cwd", repoRoot, "--config-file", stack.configFile],
    { env: stack.env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

async function until(what: string, ready: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILLs the run's whole process tree and checks that nothing of it is left running. */
async function interrupt(run: ChildProcess): Promise<void> {
  const killed = await killTree(run.pid!);
  assert.ok(killed.length >= 3, `the CLI, the language host and the provider were running (${killed.length} processes)`);
  assert.deepEqual(stillRunning(killed), [], "no process of the killed run is left");
}

/** The documented recovery: `npm run recover -- --stack S --config-file F [--destroy]`. */
async function recover(stack: PulumiStack, ...flags: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    ["scripts/recover.ts", "--stack", stack.stack, "--config-file", stack.configFile, "--cwd", repoRoot, ...flags],
    { cwd: repoRoot, env: stack.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, `recover failed:\n${output}`);
  return output;
}

async function instanceIdsInState(stack: PulumiStack): Promise<number[]> {
  const resources = JSON.parse(await stack.exportState()).deployment?.resources ?? [];
  return resources
    .filter((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/vast:Instance")
    .map((r: { id: string }) => Number(r.id))
    .sort();
}

/** Billing on the emulator = in the state = desired, all running; then destroy leaves nothing. */
async function assertConvergedThenDestroy({ emulator, stack }: Scene): Promise<void> {
  const billing = emulator.listInstances();
  const inState = await instanceIdsInState(stack);
  assert.equal(billing.length, desired, `instances on the emulator: ${JSON.stringify(billing)}`);
  assert.deepEqual(billing.map((i) => i.id).sort(), inState, "every billing instance is in the state, and only those");
  assert.deepEqual([...new Set(billing.map((i) => i.actual_status))], ["running"]);
  await stack.pulumi("destroy", "--yes");
  assert.deepEqual(emulator.listInstances(), []);
}

test("killed during the offer search: recover ends with exactly the desired instances", { timeout: 300_000 }, async (t) => {
  const s = await scene(t, { slowRequest: { "POST /api/v0/bundles": { next: 1, ms: 4000 } } });
  const run = startPulumi(s.stack, "up");
  await until("the offer search is under way", () => (s.emulator.stats().byEndpoint["POST /api/v0/bundles"] ?? 0) > 0);
  await interrupt(run);
  assert.equal(s.emulator.listInstances().length, 0);
  await recover(s.stack);
  await assertConvergedThenDestroy(s);
});

test(
  "killed with creates in flight (committed, not yet answered): the instances they rented are adopted",
  { timeout: 300_000 },
  async (t) => {
    const s = await scene(t, { slowAnswer: { "PUT /api/v0/asks/:id": { next: desired, ms: 5000 } } });
    const run = startPulumi(s.stack, "up");
    await until("three creates are committed and unanswered", () => s.emulator.listInstances().length >= 3);
    await interrupt(run);
    const orphans = s.emulator.listInstances().length;
    assert.ok(orphans >= 3, "the killed run left instances Pulumi never recorded");
    const output = await recover(s.stack);
    assert.match(output, /adopted: rented earlier with this resource's tag/);
    await assertConvergedThenDestroy(s);
  },
);

test("killed while instances boot: recover adopts them instead of renting five more", { timeout: 300_000 }, async (t) => {
  const s = await scene(t);
  const run = startPulumi(s.stack, "up");
  await until("all five are rented and none is running yet", () => s.emulator.listInstances().length === desired);
  assert.ok(s.emulator.listInstances().every((i) => i.actual_status !== "running"));
  await interrupt(run);
  await recover(s.stack);
  assert.equal(s.emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], desired, "no create beyond the first five");
  await assertConvergedThenDestroy(s);
});

test("--parallel 2, killed after two creates finished: recover completes the rest", { timeout: 300_000 }, async (t) => {
  const s = await scene(t);
  const run = startPulumi(s.stack, "up", "--parallel", "2");
  await until("two instances are running", () => s.emulator.listInstances().filter((i) => i.actual_status === "running").length >= 2);
  await interrupt(run);
  await recover(s.stack);
  await assertConvergedThenDestroy(s);
});

test(
  "killed during destroy, or destroying right after an interrupted up: recover --destroy leaves nothing billing",
  { timeout: 300_000 },
  async (t) => {
    const s = await scene(t);
    await s.stack.pulumi("up", "--yes");
    s.emulator.setFaults({ slowRequest: { "DELETE /api/v0/instances/:id": { next: desired, ms: 3000 } } });
    const destroying = startPulumi(s.stack, "destroy");
    await until("destroys are under way", () => (s.emulator.stats().byEndpoint["DELETE /api/v0/instances/:id"] ?? 0) >= 2);
    await interrupt(destroying);
    await recover(s.stack, "--destroy");
    assert.deepEqual(s.emulator.listInstances(), []);
    assert.deepEqual(await instanceIdsInState(s.stack), []);

    const upping = startPulumi(s.stack, "up");
    await until("instances are being rented again", () => s.emulator.listInstances().length >= 2);
    await interrupt(upping);
    const output = await recover(s.stack, "--destroy");
    assert.deepEqual(s.emulator.listInstances(), [], `nothing bills after recover --destroy:\n${output}`);
  },
);

test("429 storms and taken offers under the default limits slow an up of five down, but it completes", { timeout: 300_000 }, async (t) => {
  const s = await scene(t, {
    rateLimit: { "PUT /api/v0/asks/:id": { every: 3 }, "GET /api/v1/instances": { every: 2 } },
    offerTakenOnRent: { next: 2 },
  });
  await s.stack.pulumi("up", "--yes");
  await assertConvergedThenDestroy(s);
});

test(
  "a create whose answer is lost while the list fails for a while is adopted once the list answers: five instances, five creates",
  { timeout: 300_000 },
  async (t) => {
    const s = await scene(t, { dropCreateResponse: { next: 2 } });
    const run = startPulumi(s.stack, "up");
    await until("the dropped creates have committed", () => s.emulator.listInstances().length >= 2);
    s.emulator.setFaults({ serverError: { "GET /api/v1/instances": { next: 6, status: 503 } } });
    const code = await new Promise<number | null>((resolve) => run.on("close", resolve));
    assert.equal(code, 0, run.output());
    assert.equal(s.emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], desired, "no create was sent twice");
    assert.doesNotMatch(run.output(), /<html|<center/);
    await assertConvergedThenDestroy(s);
  },
);
