/**
 * The drift policies through the real Pulumi engine against the emulator (issue 12 item 2): two
 * instances, one with `whenStopped`/`whenDestroyed: leave`, one with the defaults (start,
 * recreate). Each is stopped, then destroyed, outside Pulumi (the stop with each instance's own
 * key, as autostop does; the destroy with the account key); every preview names what it found and what the policy does, and
 * each policy does exactly that, through `up` and `refresh`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../emulator/index.ts";
import { programStack } from "../_support/program.ts";

const apiKey = "drift-engine-key-7a3e9c";

const program = `
import * as pulumi from "@pulumi/pulumi";
import { VastInstance } from "vast-kit/providers/vast";

const config = new pulumi.Config();
const instance = (name: string) =>
  new VastInstance(name, {
    image: "img:tag",
    offer: { filter: { gpu_name: { eq: "RTX 4090" } } },
    diskGb: 10,
    whenStopped: config.get(name + "WhenStopped") as "start" | "leave" | undefined,
    whenDestroyed: config.get(name + "WhenDestroyed") as "recreate" | "leave" | undefined,
  });
const keep = instance("keep");
const heal = instance("heal");
export const ids = { keep: keep.instanceId, heal: heal.instanceId };
export const statuses = { keep: keep.status, heal: heal.status };
export const drift = { keep: keep.drift, heal: heal.drift };
`;

test(
  "whenStopped and whenDestroyed: previews show what was found, leave keeps it so, start and recreate heal it",
  { timeout: 420_000 },
  async (t) => {
    const emulator = await startEmulator({
      apiKey,
      rateLimits: false,
      timings: { schedulingMs: 100, loadingMs: 300, stoppingMs: 100, startingMs: 100, rebootMs: 100 },
    });
    t.after(() => emulator.close());
    const stack = await programStack(t, "drift-policy", program, { VAST_API_KEY: apiKey });
    await stack.config({ "vast:apiUrl": emulator.url, keepWhenStopped: "leave", keepWhenDestroyed: "leave" });
    const vast = (method: string, path: string, body: unknown, key = apiKey) =>
      fetch(`${emulator.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const statusOf = (id: number) => emulator.listInstances().find((i) => i.id === id);
    // A refresh does not run the program, so stack outputs lag behind it: read the resource's own state.
    const recorded = async (name: string) =>
      JSON.parse(await stack.pulumi("stack", "export")).deployment.resources.find((r: any) => r.urn.endsWith(`::${name}`)).outputs;

    await stack.pulumi("up", "--yes");
    const first = await stack.outputs();
    assert.deepEqual(first.statuses, { keep: "running", heal: "running" });
    assert.deepEqual(first.drift, { keep: null, heal: null });

    // Both stop themselves, each with its own instance-scoped key (what autostop does).
    for (const id of Object.values(first.ids) as number[]) {
      const ownKey = emulator.instanceSecrets(id)?.container_api_key as string;
      assert.equal((await vast("PUT", `/api/v0/instances/${id}/`, { state: "stopped" }, ownKey)).status, 200);
    }
    const preview = await stack.pulumi("preview", "--diff");
    assert.match(
      preview,
      new RegExp(
        `vast instance ${first.ids.keep}: is \\w+ \\(stopped outside Pulumi\\): recording it as stopped; it stays stopped \\(whenStopped: leave\\)`,
      ),
    );
    assert.match(
      preview,
      new RegExp(
        `vast instance ${first.ids.heal}: is \\w+ \\(intended stopped\\) but should be running: it will be started \\(whenStopped: start\\)`,
      ),
    );
    assert.match(preview, /2 to update/);

    await stack.pulumi("up", "--yes");
    const stopped = await stack.outputs();
    assert.deepEqual(stopped.ids, first.ids, "neither was replaced");
    assert.equal(stopped.statuses.heal, "running");
    assert.equal(statusOf(first.ids.heal)?.intended_status, "running", "start: started again");
    assert.equal(statusOf(first.ids.keep)?.intended_status, "stopped", "leave: still stopped on Vast");
    assert.equal(stopped.statuses.keep, "exited");
    assert.equal(stopped.drift.keep.found, "stopped");
    assert.match(stopped.drift.keep.remedy, /whenStopped to start/);
    assert.equal(stopped.drift.heal, null);

    // Recorded once; later ups and refreshes keep it stopped and still say so.
    const again = await stack.pulumi("preview", "--expect-no-changes");
    assert.match(
      again,
      new RegExp(`vast instance ${first.ids.keep}: is exited \\(stopped outside Pulumi\\); it stays stopped \\(whenStopped: leave\\)`),
    );
    await stack.pulumi("refresh", "--yes");
    await stack.pulumi("up", "--yes", "--expect-no-changes");
    const refreshed = await stack.outputs();
    assert.equal(
      statusOf(first.ids.keep)?.intended_status,
      "stopped",
      "a refresh does not turn the stop into the desired state, nor start it",
    );
    assert.deepEqual(refreshed.drift.keep, stopped.drift.keep, "the first sighting's time stays");

    // Changing the policy to start heals it on the next up.
    await stack.pulumi("config", "set", "keepWhenStopped", "start");
    await stack.pulumi("up", "--yes");
    const started = await stack.outputs();
    assert.deepEqual(started.statuses, { keep: "running", heal: "running" });
    assert.deepEqual(started.drift, { keep: null, heal: null });

    // Back to leave, stopped again: this time a refresh is the first to see it, and records it.
    await stack.pulumi("config", "set", "keepWhenStopped", "leave");
    await stack.pulumi("up", "--yes");
    assert.equal((await vast("PUT", `/api/v0/instances/${first.ids.keep}/`, { state: "stopped" })).status, 200);
    await stack.pulumi("refresh", "--yes");
    const seenByRefresh = await recorded("keep");
    assert.equal(seenByRefresh.drift.found, "stopped");
    assert.notEqual(seenByRefresh.status, "running");
    assert.equal(seenByRefresh.state, "running", "the stop is recorded as drift, not taken as the desired state");
    await stack.pulumi("up", "--yes", "--expect-no-changes");
    assert.equal(statusOf(first.ids.keep)?.intended_status, "stopped");

    // Both destroyed outside Pulumi.
    for (const id of Object.values(first.ids) as number[]) assert.equal((await vast("DELETE", `/api/v0/instances/${id}/`, {})).status, 200);
    const gonePreview = await stack.pulumi("preview");
    assert.match(
      gonePreview,
      new RegExp(
        `vast instance ${first.ids.keep}: is gone \\(destroyed outside Pulumi\\): recording it as destroyed; nothing is rented \\(whenDestroyed: leave\\)`,
      ),
    );
    assert.match(
      gonePreview,
      new RegExp(
        `vast instance ${first.ids.heal}: is gone \\(destroyed outside Pulumi\\): a new instance will replace it \\(whenDestroyed: recreate\\)`,
      ),
    );
    const rents = emulator.stats().byEndpoint["PUT /api/v0/asks/:id"];
    const healed = await stack.pulumi("up", "--yes");
    assert.match(healed, /1 replaced/);
    assert.match(healed, /1 updated/);
    const gone = await stack.outputs();
    assert.equal(gone.ids.keep, first.ids.keep);
    assert.equal(gone.statuses.keep, "destroyed");
    assert.equal(gone.drift.keep.found, "destroyed");
    assert.notEqual(gone.ids.heal, first.ids.heal);
    assert.equal(gone.statuses.heal, "running");
    assert.equal(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], rents! + 1, "only the recreated one was rented");
    assert.deepEqual(
      emulator.listInstances().map((i) => i.id),
      [gone.ids.heal],
    );

    // A refresh keeps the left one in the stack; recreate rents it again.
    await stack.pulumi("refresh", "--yes");
    assert.equal((await recorded("keep")).status, "destroyed", "refresh keeps the left resource in the stack");
    await stack.pulumi("up", "--yes", "--expect-no-changes");
    assert.equal((await stack.outputs()).statuses.keep, "destroyed");
    await stack.pulumi("config", "set", "keepWhenDestroyed", "recreate");
    await stack.pulumi("up", "--yes");
    const recreated = await stack.outputs();
    assert.notEqual(recreated.ids.keep, first.ids.keep);
    assert.deepEqual(recreated.statuses, { keep: "running", heal: "running" });
    assert.equal(emulator.listInstances().length, 2);

    await stack.pulumi("destroy", "--yes");
    assert.deepEqual(emulator.listInstances(), []);
  },
);
