/**
 * Acceptance with the official `vastai` CLI from PyPI (vast-api.md §8): the pinned version is
 * installed by toolchain/vastai.sh into ~/.cache/vast-kit/vastai-venv (or pointed at by
 * VASTAI_BIN), run hermetically against the emulator, and judged by stdout/stderr, since the CLI
 * exits 0 even when the API answers an error (§5.5).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { vastaiCli } from "../_support/vastai.ts";
import { API_KEY, emulatorFor } from "./_utils.ts";

const KEY_TEXT = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcceptanceKeyForTheEmulator accept@test";

test("the official vastai CLI drives the emulator end to end", { timeout: 80_000 }, async (t) => {
  const emulator = await emulatorFor(t, {
    timings: { schedulingMs: 100, loadingMs: 300, stoppingMs: 100, startingMs: 100, rebootMs: 100 },
  });
  const { vastai, raw } = vastaiCli(t, emulator.url, API_KEY);

  const user = await raw("show", "user");
  assert.equal(typeof user.email, "string");
  assert.equal(typeof user.credit, "number");

  const offers = await raw("search", "offers", "gpu_name=RTX_4090 num_gpus=1", "-o", "dph_total", "--limit", "3");
  assert.ok(Array.isArray(offers) && offers.length > 0 && offers.length <= 3);
  assert.ok(offers.every((offer: any) => offer.gpu_name === "RTX 4090" && offer.num_gpus === 1));
  const prices = offers.map((offer: any) => offer.dph_total);
  assert.deepEqual(
    prices,
    [...prices].sort((a, b) => a - b),
  );
  const table = await vastai("search", "offers", "gpu_name=RTX_4090", "--limit", "2");
  assert.match(table.stdout, /RTX_4090/, "the table view renders (Content-Type is exactly application/json)");

  const keyCreated = await vastai("create", "ssh-key", KEY_TEXT);
  assert.match(keyCreated.stdout, /ssh-key created/);
  const keys = await raw("show", "ssh-keys");
  assert.deepEqual(
    keys.map((key: any) => key.key),
    [KEY_TEXT],
  );

  const template = await vastai(
    "create",
    "template",
    "--name",
    "acceptance",
    "--image",
    "img",
    "--ssh",
    "--direct",
    "--env",
    "-e A=1 -p 8000:8000",
    "--disk_space",
    "20",
  );
  const hash = /'hash_id': '([0-9a-f]{32})'/.exec(template.stdout)?.[1];
  assert.ok(hash, `New Template line with a hash: ${template.stdout}${template.stderr}`);
  assert.match(template.stdout, /^New Template: /m);
  const found = await vastai("search", "templates", "name=acceptance");
  assert.equal(JSON.parse(found.stdout)[0].hash_id, hash);

  const updated = await vastai("update", "template", hash, "--name", "acceptance", "--image", "img", "--desc", "edited");
  assert.match(updated.stdout, /^updated template: /m, updated.stdout + updated.stderr);
  const edited = JSON.parse(updated.stdout.replace(/^updated template: /m, ""));
  assert.equal(edited.desc, "edited");
  assert.notEqual(edited.hash_id, hash, "an edit makes a new hash; the old one still launches below");

  const created = await raw(
    "create",
    "instance",
    String(offers[0].id),
    "--image",
    "pytorch/pytorch",
    "--disk",
    "20",
    "--ssh",
    "--direct",
    "--env",
    "-e TZ=UTC -p 8080:8080",
    "--label",
    "acc",
  );
  assert.equal(created.success, true);
  const id: number = created.new_contract;
  const fromTemplate = await raw("create", "instance", String(offers[1].id), "--template_hash", hash, "--disk", "20");
  assert.equal(typeof fromTemplate.new_contract, "number");
  const taken = await vastai("create", "instance", String(offers[0].id), "--image", "img", "--raw");
  assert.equal(taken.code, 0, "the CLI exits 0 on API errors");
  assert.equal(JSON.parse(taken.stderr).status_code, 410);

  let instance: any;
  for (let attempt = 0; attempt < 15; attempt++) {
    instance = await raw("show", "instance", String(id));
    if (instance.actual_status === "running") break;
    await sleep(200);
  }
  assert.equal(instance.actual_status, "running");
  assert.equal(instance.label, "acc");
  assert.equal(instance.image_runtype, "ssh ssh_direc ssh_proxy");
  assert.deepEqual(instance.extra_env, { TZ: "UTC", "-p 8080:8080": "1" }, "the CLI turned the pairs into a dict");
  const listed = await raw("show", "instances");
  assert.deepEqual(listed.map((row: any) => row.id).sort(), [id, fromTemplate.new_contract].sort());
  const quiet = await vastai("show", "instances", "-q");
  assert.deepEqual(quiet.stdout.trim().split("\n").sort(), [String(id), String(fromTemplate.new_contract)].sort());
  const sshUrl = await vastai("ssh-url", String(id));
  assert.equal(sshUrl.stdout.trim(), `ssh://root@127.0.0.1:${instance.ports["22/tcp"][0].HostPort}`);

  assert.match((await vastai("label", "instance", String(id), "renamed")).stdout, new RegExp(`label for ${id} set to renamed\\.`));
  assert.match((await vastai("stop", "instance", String(id))).stdout, new RegExp(`stopping instance ${id}\\.`));
  assert.equal((await raw("show", "instance", String(id))).intended_status, "stopped");
  assert.match((await vastai("start", "instance", String(id))).stdout, new RegExp(`starting instance ${id}\\.`));
  for (let attempt = 0; attempt < 15; attempt++) {
    instance = await raw("show", "instance", String(id));
    if (instance.actual_status === "running") break;
    await sleep(200);
  }
  assert.deepEqual([instance.actual_status, instance.label], ["running", "renamed"]);

  const logs = await vastai("logs", String(id), "--tail", "10");
  assert.match(logs.stdout, /Container started: pytorch\/pytorch/);

  assert.match((await vastai("destroy", "instance", String(id), "-y")).stdout, new RegExp(`destroying instance ${id}\\.`));
  assert.deepEqual(await raw("show", "instance", String(id)), { instances: null });
  const gone = await vastai("show", "instance", String(id));
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, new RegExp(`Instance ${id} not found or no longer exists`));
  await vastai("destroy", "instances", String(fromTemplate.new_contract), "-y");
  assert.deepEqual(emulator.listInstances(), []);
  assert.ok(
    (emulator.stats().byEndpoint["GET /api/v0/gpu_names/unique"] ?? 0) > 0,
    "the CLI fetched GPU names from the emulator at start-up",
  );
});
