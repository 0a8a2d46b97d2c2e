/**
 * `GET /api/v0/charges/` (vast-api-more.md §6): charges accrue from rented time on the emulator's
 * clock (an advanced hour bills a running instance an hour of `dph_total`, a stopped one its
 * storage, a destroyed one nothing more), the `day` bounds are required, `type` filters, paging
 * through `next_token` returns every row once, `limit` is capped at 500, the documented rate limit
 * holds, and the official CLI's `show invoices-v1 --charges` reads them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type RunningEmulator, startEmulator } from "../../emulator/index.ts";
import { vastaiCli } from "../_support/vastai.ts";
import { API_KEY, FAST_TIMINGS, call, cheapestOffer, emulatorFor, rent, showInstance, waitForStatus } from "./_utils.ts";

const HOUR = 3_600_000;

/** Every charge row in the window, through all pages of `limit` rows. */
async function allCharges(emulator: RunningEmulator, from: number, to: number, limit = 500, extra: Record<string, unknown> = {}) {
  const rows: any[] = [];
  let token: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const filters = encodeURIComponent(JSON.stringify({ day: { gte: from, lte: to }, ...extra }));
    const res = await call(
      emulator,
      "GET",
      `/api/v0/charges/?select_filters=${filters}&limit=${limit}${token ? `&after_token=${token}` : ""}`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.success, true);
    assert.equal(res.body.count, res.body.results.length);
    rows.push(...res.body.results);
    token = res.body.next_token;
    if (!token) return { rows, total: res.body.total as number };
  }
  throw new Error("more than 1000 pages");
}

/** Dollars per instance id. */
function spentBy(rows: any[]): Map<number, number> {
  const spent = new Map<number, number>();
  for (const row of rows) {
    const id = Number(/^instance-(\d+)$/.exec(row.source)?.[1]);
    spent.set(id, (spent.get(id) ?? 0) + row.amount);
  }
  return spent;
}

test("charges follow rented time: running bills dph_total, stopped bills storage, destroyed bills nothing more", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator, { gpu_name: { eq: "RTX 4090" } });
  const other = await cheapestOffer(emulator, { gpu_name: { eq: "RTX 3090" } });
  const [a, b] = [await rent(emulator, offer.id, { label: "a" }), await rent(emulator, other.id, { label: "b" })];
  const [viewA, viewB] = [await waitForStatus(emulator, a, "running"), await waitForStatus(emulator, b, "running")];
  const since = viewA.start_date - 60;
  // A minute on (amounts are rounded to 1e-6 $, which the few ms of a fast boot may not reach), then frozen.
  const { now } = emulator.setClock({ advanceMs: 60_000, frozen: true });
  const before = spentBy((await allCharges(emulator, since, now / 1000 + 60)).rows);
  assert.ok(before.get(a)! > 0 && before.get(b)! > 0, "the first minute of storage and GPU is already billed");

  const { now: later } = emulator.setClock({ advanceMs: 2 * HOUR });
  const afterTwoHours = spentBy((await allCharges(emulator, since, later / 1000)).rows);
  assert.ok(Math.abs(afterTwoHours.get(a)! - before.get(a)! - 2 * viewA.dph_total) < 1e-5, "two running hours cost 2 × dph_total");
  assert.ok(Math.abs(afterTwoHours.get(b)! - before.get(b)! - 2 * viewB.dph_total) < 1e-5);

  // Stopped: the container keeps running for the stop's few ms, then only the disk bills.
  assert.equal((await call(emulator, "PUT", `/api/v0/instances/${a}/`, { body: { state: "stopped" } })).status, 200);
  assert.equal((await call(emulator, "DELETE", `/api/v0/instances/${b}/`, { body: {} })).status, 200);
  const { now: end } = emulator.setClock({ advanceMs: HOUR });
  assert.equal((await showInstance(emulator, a)).actual_status, "exited");
  const { rows } = await allCharges(emulator, since, end / 1000);
  const afterStop = spentBy(rows);
  const gpuRate = viewA.dph_total - viewA.storage_total_cost;
  const expected = viewA.storage_total_cost + (gpuRate * FAST_TIMINGS.stoppingMs) / HOUR;
  assert.ok(Math.abs(afterStop.get(a)! - afterTwoHours.get(a)! - expected) < 1e-5, "a stopped hour bills storage only");
  assert.ok(Math.abs(afterStop.get(b)! - afterTwoHours.get(b)!) < 1e-5, "a destroyed instance bills nothing more, and keeps its rows");

  const row = rows.find((r) => r.source === `instance-${a}`);
  assert.equal(row.type, "instance");
  assert.equal(row.metadata.label, "a");
  assert.deepEqual([...new Set(row.items.map((item: any) => item.type))].sort(), ["gpu", "storage"]);
  for (const r of rows) {
    const sum = r.items.reduce((s: number, item: any) => s + item.amount, 0);
    assert.ok(Math.abs(r.amount - sum) < 1e-5, "a row is the sum of its lines");
  }
});

test("charges need both day bounds, filter by type and day, page through next_token, and cap limit at 500", async (t) => {
  const emulator = await emulatorFor(t);
  const ids = [
    await rent(emulator, (await cheapestOffer(emulator, { gpu_name: { eq: "RTX 4090" } })).id),
    await rent(emulator, (await cheapestOffer(emulator, { gpu_name: { eq: "RTX 3090" } })).id),
  ];
  await waitForStatus(emulator, ids[1]!, "running");
  const start = (await showInstance(emulator, ids[0]!)).start_date;
  // 400 days of two instances: 802 or so daily rows.
  const { now } = emulator.setClock({ frozen: true, advanceMs: 400 * 24 * HOUR });
  const to = now / 1000;

  for (const filters of [{}, { day: { gte: start } }, { day: { lte: to } }, { type: { in: ["instance"] } }]) {
    const res = await call(emulator, "GET", `/api/v0/charges/?select_filters=${encodeURIComponent(JSON.stringify(filters))}`);
    assert.equal(res.status, 400, JSON.stringify(filters));
    assert.equal(res.body.success, false);
    assert.match(res.body.msg, /day needs both gte and lte/);
  }
  const bad = await call(
    emulator,
    "GET",
    `/api/v0/charges/?select_filters=${encodeURIComponent(JSON.stringify({ day: { gte: 0, lte: to } }))}&after_token=nonsense`,
  );
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, "invalid_token");

  const capped = await call(
    emulator,
    "GET",
    `/api/v0/charges/?select_filters=${encodeURIComponent(JSON.stringify({ day: { gte: start, lte: to } }))}&limit=1000`,
  );
  assert.equal(capped.body.count, 500, "the server returns at most 500 rows a page");
  assert.ok(capped.body.total > 800);
  assert.ok(capped.body.next_token);

  const everything = await allCharges(emulator, start, to);
  assert.equal(everything.rows.length, everything.total);
  const paged = await allCharges(emulator, start, to, 7);
  assert.deepEqual(paged.rows, everything.rows, "small pages return every row once, in order");
  assert.deepEqual([...spentBy(everything.rows).keys()].sort(), [...ids].sort());
  assert.ok(everything.rows.every((row, i, all) => i === 0 || all[i - 1].start <= row.start));

  const latest = await call(
    emulator,
    "GET",
    `/api/v0/charges/?select_filters=${encodeURIComponent(JSON.stringify({ day: { gte: start, lte: to } }))}&latest_first=true&limit=3`,
  );
  assert.ok(latest.body.results[0].start >= everything.rows.at(-1).start - 1, "latest_first starts with the newest day");

  assert.equal((await allCharges(emulator, start, to, 500, { type: { in: ["volume", "serverless"] } })).total, 0);
  assert.equal((await allCharges(emulator, start, to, 500, { type: { eq: "instance" } })).total, everything.total);
  const firstDay = await allCharges(emulator, start, start + 1);
  assert.deepEqual(
    firstDay.rows.map((row) => row.source).sort(),
    ids.map((id) => `instance-${id}`).sort(),
    "a one-second window selects the rows of its UTC day",
  );
  assert.equal((await allCharges(emulator, start - 10 * 86_400, start - 9 * 86_400)).total, 0, "nothing before the rent");
});

test("charges are rate limited at their documented threshold of 1.0", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const path = `/api/v0/charges/?select_filters=${encodeURIComponent(JSON.stringify({ day: { gte: 0, lte: Date.now() / 1000 } }))}`;
  const answers = [await call(emulator, "GET", path), await call(emulator, "GET", path), await call(emulator, "GET", path)];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 429],
  );
  assert.equal(answers[2]!.body.detail, "API requests too frequent endpoint threshold=1.0");
});

test("the official vastai CLI reads the charges: show invoices-v1 --charges, raw and as a table", { timeout: 60_000 }, async (t) => {
  const emulator = await emulatorFor(t);
  const id = await rent(emulator, (await cheapestOffer(emulator, { gpu_name: { eq: "RTX 4090" } })).id, { label: "cli" });
  const view = await waitForStatus(emulator, id, "running");
  emulator.setClock({ frozen: true, advanceMs: 3 * HOUR });
  // The CLI's window ends at its own now: the emulator's clock ran three hours ahead, so ask up to
  // then (with both dates: 1.9.1 fails on an --end-date alone, subtracting a number from a string).
  const window = ["--start-date", String(Math.floor(view.start_date) - 60), "--end-date", String(Math.ceil(Date.now() / 1000 + 4 * 3600))];
  const { raw, vastai } = vastaiCli(t, emulator.url, API_KEY);

  const answer = await raw("show", "invoices-v1", "--charges", ...window);
  assert.equal(answer.success, true);
  const mine = answer.results.filter((row: any) => row.source === `instance-${id}`);
  assert.ok(mine.length >= 1);
  const spent = mine.reduce((sum: number, row: any) => sum + row.amount, 0);
  assert.ok(spent >= 3 * view.dph_total - 1e-5, `three hours and a bit at $${view.dph_total}/h: $${spent}`);

  const table = await vastai("show", "invoices-v1", "--charges", ...window, "--no-color");
  assert.equal(table.stderr, "");
  assert.match(table.stdout, new RegExp(`Instance.*${id}`), table.stdout);
  assert.match(table.stdout, /Showing \d+ of \d+ results/);
  const tree = await vastai("show", "invoices-v1", "-c", "-ct", "instance", "-f", "tree", "-v", ...window, "--no-color");
  assert.match(tree.stdout, /storage/, tree.stdout);
});

test("POST /_emulator/clock moves and freezes the clock the API answers by, and refuses a clock going back", async (t) => {
  const emulator = await emulatorFor(t);
  const moved = await call(emulator, "POST", "/_emulator/clock", { body: { advanceMs: 86_400_000, frozen: true } });
  assert.equal(moved.status, 200);
  assert.ok(moved.body.now >= Date.now() + 86_400_000 - 1000);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  assert.equal((await showInstance(emulator, id)).start_date, moved.body.now / 1000, "a rent is dated by the emulator's clock");
  const back = await call(emulator, "POST", "/_emulator/clock", { body: { advanceMs: -1 } });
  assert.equal(back.status, 400);
  assert.deepEqual(back.body.paths, ["advanceMs"]);
  assert.equal((await call(emulator, "POST", "/_emulator/clock", { body: {} })).body.now, moved.body.now, "frozen: it does not move");
});

test("with a state file, a destroyed instance's charges survive a restart, and nothing accrues after its destroy", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vast-charges-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const options = { apiKey: API_KEY, statePath: join(dir, "state.sqlite"), timings: FAST_TIMINGS, rateLimits: false };
  const first = await startEmulator(options);
  const id = await rent(first, (await cheapestOffer(first)).id);
  const view = await waitForStatus(first, id, "running");
  assert.equal((await call(first, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).status, 200);
  const window = { since: view.start_date - 60, until: Date.now() / 1000 + 7200 };
  const before = await allCharges(first, window.since, window.until);
  await first.close();

  const second = await startEmulator(options);
  t.after(() => second.close());
  second.setClock({ advanceMs: HOUR });
  const after = await allCharges(second, window.since, window.until);
  assert.deepEqual(
    after.rows.map((row) => [row.source, row.amount]),
    before.rows.map((row) => [row.source, row.amount]),
  );
  assert.equal(after.rows[0].source, `instance-${id}`);
});
