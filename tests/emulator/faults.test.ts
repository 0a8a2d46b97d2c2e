/**
 * Fault injection, programmatic and over the `/_emulator/` admin routes: latency, 429s (JSON and
 * plain text, next-N and every-k-th, never a Retry-After), bare 5xx without side effects, a
 * committed create whose answer is dropped, an offer taken between search and rent, an instance
 * that dies while loading; plus stats and timings over HTTP and the admin routes' auth.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { API_KEY, call, cheapestOffer, emulatorFor, rent, waitForStatus } from "./_utils.ts";

test("latency: the option and the fault both delay every API request", async (t) => {
  const emulator = await emulatorFor(t, { latencyMs: 120 });
  let started = Date.now();
  await call(emulator, "GET", "/api/v0/users/current");
  assert.ok(Date.now() - started >= 115, "base latency applies");
  emulator.setFaults({ latencyMs: 150 });
  started = Date.now();
  await call(emulator, "GET", "/api/v0/users/current");
  assert.ok(Date.now() - started >= 265, "the fault adds to the base latency");
});

test("rate limit: the next N calls of one endpoint get 429 with the JSON detail and no Retry-After", async (t) => {
  const emulator = await emulatorFor(t);
  emulator.setFaults({ rateLimit: { "GET /api/v0/instances/:id": { next: 2 } } });
  for (let i = 0; i < 2; i++) {
    const res = await call(emulator, "GET", "/api/v0/instances/1/");
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, { detail: "API requests too frequent endpoint threshold=2.0" });
    assert.equal(res.headers["retry-after"], undefined);
  }
  assert.equal((await call(emulator, "GET", "/api/v0/instances/1/")).status, 200);
  assert.equal((await call(emulator, "GET", "/api/v0/users/current")).status, 200, "other endpoints are not limited");
});

test("rate limit: plain text on every k-th call", async (t) => {
  const emulator = await emulatorFor(t);
  emulator.setFaults({ rateLimit: { "GET /api/v1/instances": { every: 3, plainText: true } } });
  const statuses = [];
  for (let i = 0; i < 6; i++) {
    const res = await call(emulator, "GET", "/api/v1/instances/");
    statuses.push(res.status);
    if (res.status === 429) {
      assert.equal(res.text, "API requests too frequent");
      assert.equal(res.contentType, "text/plain");
    }
  }
  assert.deepEqual(statuses, [200, 200, 429, 200, 200, 429]);
});

test("5xx: the next N calls answer 500/502/503 and do nothing", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  emulator.setFaults({
    serverError: { "PUT /api/v0/asks/:id": { next: 2, status: 502 }, "DELETE /api/v0/instances/:id": { next: 1, status: 503 } },
  });
  for (let i = 0; i < 2; i++) {
    const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img" } });
    assert.equal(res.status, 502);
    assert.match(res.text, /502 Bad Gateway/);
  }
  assert.deepEqual(emulator.listInstances(), [], "no instance was created by a 5xx");
  const id = await rent(emulator, offer.id);
  assert.equal((await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).status, 503);
  assert.equal(emulator.listInstances().length, 1, "the 503 destroyed nothing");
  emulator.setFaults({ serverError: { "GET /api/v0/users/current": { next: 1 } } });
  const plain = await call(emulator, "GET", "/api/v0/users/current");
  assert.deepEqual([plain.status, plain.body.success], [500, false]);
});

test("a dropped create: the instance exists and the offer is taken, but the client sees the socket close", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  emulator.setFaults({ dropCreateResponse: { next: 1 } });
  await assert.rejects(
    call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img", label: "dropped-1" } }),
    (error: Error & { code?: string }) => {
      assert.match(String(error.code ?? error.name), /UND_ERR_SOCKET|ECONNRESET|SocketError/);
      return true;
    },
  );
  assert.deepEqual(
    emulator.listInstances().map((instance) => instance.label),
    ["dropped-1"],
  );
  const listed = await call(emulator, "GET", `/api/v1/instances/?select_filters=${encodeURIComponent('{"label": {"eq": "dropped-1"}}')}`);
  assert.equal(listed.body.total_instances, 1, "a client can find it by label");
  assert.equal((await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img" } })).status, 410);
  assert.deepEqual(emulator.stats().byEndpoint["PUT /api/v0/asks/:id"], 2);
});

test("an offer taken between search and rent: 410 no_such_ask, and it is gone from search for good", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  emulator.setFaults({ offerTakenOnRent: { next: 1 } });
  const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img" } });
  assert.equal(res.status, 410);
  assert.equal(res.body.error, "no_such_ask");
  assert.notEqual((await cheapestOffer(emulator)).id, offer.id);
  assert.deepEqual(emulator.listInstances(), []);
  const next = await cheapestOffer(emulator);
  assert.equal(typeof (await rent(emulator, next.id)), "number", "the fault fired once");
});

test("dieWhileLoading: the next N new instances go loading → exited with a daemon error", async (t) => {
  const emulator = await emulatorFor(t);
  emulator.setFaults({ dieWhileLoading: { next: 1 } });
  const doomed = await rent(emulator, (await cheapestOffer(emulator)).id);
  const healthy = await rent(emulator, (await cheapestOffer(emulator)).id);
  const dead = await waitForStatus(emulator, doomed, "exited");
  assert.equal(dead.intended_status, "running");
  assert.match(dead.status_msg, /OCI runtime create failed/);
  await waitForStatus(emulator, healthy, "running");
});

test("faults are validated: unknown endpoint keys and bad shapes are refused with the path", async (t) => {
  const emulator = await emulatorFor(t);
  assert.throws(
    () => emulator.setFaults({ rateLimit: { "GET /api/v0/nope": { next: 1 } } }),
    (error: Error & { code?: string; paths?: string[] }) => {
      assert.equal(error.code, "EMU_INVALID_OPTIONS");
      assert.deepEqual(error.paths, ["rateLimit.GET /api/v0/nope"]);
      return true;
    },
  );
  assert.throws(() => emulator.setFaults({ serverError: { "GET /api/v1/instances": { next: 1, status: 504 as 503 } } }), {
    code: "EMU_INVALID_OPTIONS",
  });
});

test("admin over HTTP: faults replace, stats count API calls only, timings change, all behind the Bearer key", async (t) => {
  const emulator = await emulatorFor(t);
  const admin = (method: string, path: string, body?: unknown, key: string | null = API_KEY) => call(emulator, method, path, { body, key });
  assert.deepEqual((await admin("GET", "/_emulator/faults", undefined, null)).body, {
    success: false,
    error: "auth_error",
    msg: "Invalid user key",
  });
  assert.equal((await admin("GET", `/_emulator/faults?api_key=${API_KEY}`, undefined, null)).status, 401, "no query-string key for admin");
  assert.equal((await admin("GET", "/_emulator/stats", undefined, "wrong")).status, 401);

  const set = await admin("PUT", "/_emulator/faults", {
    rateLimit: { "GET /api/v0/users/current": { next: 1 } },
    dieWhileLoading: { next: 3 },
  });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { rateLimit: { "GET /api/v0/users/current": { next: 1 } }, dieWhileLoading: { next: 3 } });
  assert.equal((await call(emulator, "GET", "/api/v0/users/current")).status, 429);
  assert.deepEqual((await admin("GET", "/_emulator/faults")).body.rateLimit, { "GET /api/v0/users/current": { next: 0 } });
  await admin("PUT", "/_emulator/faults", { latencyMs: 0 });
  assert.deepEqual((await admin("GET", "/_emulator/faults")).body, { latencyMs: 0 }, "PUT replaces everything");
  const bad = await admin("PUT", "/_emulator/faults", { rateLimit: { "GET /x": { next: 1 } } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.msg, /→ at rateLimit\["GET \/x"\]/);

  await call(emulator, "GET", "/api/v0/instances/5/");
  await call(emulator, "GET", "/api/v0/instances/6/");
  const stats = await admin("GET", "/_emulator/stats");
  assert.deepEqual(stats.body, { total: 3, byEndpoint: { "GET /api/v0/users/current": 1, "GET /api/v0/instances/:id": 2 } });
  assert.deepEqual(emulator.stats(), stats.body);
  assert.deepEqual((await admin("POST", "/_emulator/stats/reset")).body, { total: 0, byEndpoint: {} });
  assert.deepEqual(emulator.stats(), { total: 0, byEndpoint: {} });

  const timings = await admin("PUT", "/_emulator/timings", { loadingMs: 40, schedulingMs: 10 });
  assert.deepEqual(timings.body, { schedulingMs: 10, loadingMs: 40, stoppingMs: 80, startingMs: 80, rebootMs: 80, volumeReleaseMs: 0 });
  assert.equal((await admin("PUT", "/_emulator/timings", { loadingMs: "slow" })).status, 400);
  const id = await rent(emulator, (await cheapestOffer(emulator)).id, { label: "peek" });
  await waitForStatus(emulator, id, "running", 1000);
  const peek = await admin("GET", "/_emulator/instances");
  assert.deepEqual(peek.body, [{ id, label: "peek", actual_status: "running", intended_status: "running", image_uuid: "pytorch/pytorch" }]);
  assert.equal(emulator.stats().byEndpoint["GET /_emulator/instances"], undefined, "admin calls are not counted");
});

test("slowRequest delays the work itself; slowAnswer does the work at once and answers late", async (t) => {
  const emulator = await emulatorFor(t);
  const [first, second] = (await call(emulator, "POST", "/api/v0/bundles/", { body: { order: [["dph_total", "asc"]], limit: 2 } })).body
    .offers;
  emulator.setFaults({ slowRequest: { "PUT /api/v0/asks/:id": { next: 1, ms: 400 } } });
  let pending = call(emulator, "PUT", `/api/v0/asks/${first.id}/`, { body: { image: "img", label: "slow-request" } });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(emulator.listInstances(), [], "nothing is committed while the request waits");
  assert.equal((await pending).status, 200);
  assert.equal(emulator.listInstances().length, 1);

  emulator.setFaults({ slowAnswer: { "PUT /api/v0/asks/:id": { next: 1, ms: 400 } } });
  const started = Date.now();
  pending = call(emulator, "PUT", `/api/v0/asks/${second.id}/`, { body: { image: "img", label: "slow-answer" } });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    emulator
      .listInstances()
      .map((i) => i.label)
      .sort(),
    ["slow-answer", "slow-request"],
    "committed before the answer",
  );
  assert.equal((await pending).status, 200);
  assert.ok(Date.now() - started >= 390);
});
