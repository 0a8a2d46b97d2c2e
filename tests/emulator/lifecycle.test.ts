/**
 * The instance state machine of vast-api.md §4.3 with short timings: each state shows for as long
 * as its delay, stop/start/reboot go through the documented states, `target_state: "stopped"`
 * waits in `created`, and an image named "...fail..." dies while loading (§4.2).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { call, cheapestOffer, emulatorFor, rent, showInstance, waitForStatus } from "./_utils.ts";

const TIMINGS = { schedulingMs: 150, loadingMs: 250, stoppingMs: 150, startingMs: 150, rebootMs: 150 };

test("a new instance is created, then loading, then running, on the configured delays", async (t) => {
  const emulator = await emulatorFor(t, { timings: TIMINGS });
  const started = Date.now();
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { env: { "-p 8080:8080": "1" } });
  const created = await showInstance(emulator, id);
  assert.deepEqual([created.actual_status, created.intended_status, created.cur_state], ["created", "running", "running"]);
  assert.equal(created.ports, null);
  assert.ok(Math.abs(created.start_date - started / 1000) < 2, "start_date is epoch seconds");

  const loading = await waitForStatus(emulator, id, "loading");
  assert.ok(Date.now() - started >= TIMINGS.schedulingMs - 20, "not loading before the scheduling delay");
  assert.match(loading.status_msg, /Pulling image pytorch\/pytorch/);
  const running = await waitForStatus(emulator, id, "running");
  assert.ok(Date.now() - started >= TIMINGS.schedulingMs + TIMINGS.loadingMs - 20, "not running before loading ends");
  assert.equal(running.status_msg, "success, running pytorch/pytorch_latest/ssh");
  assert.ok(running.ports["8080/tcp"]);
  assert.equal(typeof running.uptime_mins, "number");
});

test("stop shows exited / stopped / stopped after the stopping delay; start schedules, loads and runs again", async (t) => {
  const emulator = await emulatorFor(t, { timings: TIMINGS });
  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  await waitForStatus(emulator, id, "running");
  await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "stopped" } });
  const stopping = await showInstance(emulator, id);
  assert.deepEqual([stopping.actual_status, stopping.intended_status, stopping.cur_state], ["running", "stopped", "stopped"]);
  const exited = await waitForStatus(emulator, id, "exited");
  assert.deepEqual([exited.intended_status, exited.cur_state, exited.ports], ["stopped", "stopped", null]);

  await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
  const scheduling = await showInstance(emulator, id);
  assert.deepEqual([scheduling.actual_status, scheduling.intended_status, scheduling.cur_state], ["loading", "running", "stopped"]);
  await sleep(TIMINGS.startingMs + 30);
  const loading = await showInstance(emulator, id);
  assert.deepEqual([loading.actual_status, loading.cur_state], ["loading", "running"]);
  await waitForStatus(emulator, id, "running");
  assert.deepEqual((await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } })).body, { success: true });
  assert.equal((await showInstance(emulator, id)).actual_status, "running", "starting a running instance changes nothing");
});

test('target_state "stopped" at create waits in created / stopped until started', async (t) => {
  const emulator = await emulatorFor(t, { timings: TIMINGS });
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { target_state: "stopped" });
  await sleep(TIMINGS.schedulingMs + TIMINGS.loadingMs + 50);
  const waiting = await showInstance(emulator, id);
  assert.deepEqual([waiting.actual_status, waiting.intended_status, waiting.cur_state], ["created", "stopped", "stopped"]);
  await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
  await waitForStatus(emulator, id, "running");
});

test('an image whose name contains "fail" dies while loading: exited, a daemon error, intended still running', async (t) => {
  const emulator = await emulatorFor(t, { timings: TIMINGS });
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { image: "example/will-fail:1" });
  await waitForStatus(emulator, id, "loading");
  const dead = await waitForStatus(emulator, id, "exited");
  assert.equal(dead.intended_status, "running");
  assert.match(dead.status_msg, /^Error response from daemon: OCI runtime create failed/);
  assert.equal(dead.ports, null);
  // Re-sending start boots it again (the "nudge" of §4.2); it fails the same way.
  await call(emulator, "PUT", `/api/v0/instances/${id}/`, { body: { state: "running" } });
  assert.equal((await showInstance(emulator, id)).actual_status, "loading");
  await waitForStatus(emulator, id, "exited");
});

test("reboot shows rebooting, then running; setTimings changes later transitions only", async (t) => {
  const emulator = await emulatorFor(t, { timings: TIMINGS });
  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  await waitForStatus(emulator, id, "running");
  emulator.setTimings({ rebootMs: 400 });
  await call(emulator, "PUT", `/api/v0/instances/reboot/${id}/`, { body: {} });
  await sleep(250);
  assert.equal((await showInstance(emulator, id)).actual_status, "rebooting", "still rebooting under the new, longer delay");
  await waitForStatus(emulator, id, "running");
  assert.throws(() => emulator.setTimings({ loadingMs: -1 }), { code: "EMU_INVALID_OPTIONS" });
});
