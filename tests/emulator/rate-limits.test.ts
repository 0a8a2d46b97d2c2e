/**
 * The documented rate limits, on by default (emulator/rate-limits.ts): a burst passes, the next
 * call gets Vast's 429 with no Retry-After, the budget refills at the threshold's rate, the offer
 * search allows 10 a minute per IP, a refused create costs its penalty, identities are apart, and
 * the option or `setRateLimits` turns it all off.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { API_KEY, call, cheapestOffer, emulatorFor } from "./_utils.ts";

test("the v1 list (threshold 1.0) lets a burst of 2 through, then answers 429 until a second has refilled it", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await call(emulator, "GET", "/api/v1/instances/")).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  const limited = await call(emulator, "GET", "/api/v1/instances/");
  assert.deepEqual(limited.body, { detail: "API requests too frequent endpoint threshold=1.0" });
  assert.equal(limited.headers["retry-after"], undefined, "Vast never sends Retry-After (§5.1)");
  assert.equal((await call(emulator, "GET", "/api/v0/users/current")).status, 200, "undocumented endpoints are not limited");
  await sleep(1050);
  assert.equal((await call(emulator, "GET", "/api/v1/instances/")).status, 200, "a second later one token is back");
  assert.equal((await call(emulator, "GET", "/api/v1/instances/")).status, 429);
});

test("the offer search allows 10 a minute per IP, whatever key is presented", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const statuses = [];
  for (let i = 0; i < 11; i++) {
    statuses.push((await call(emulator, "POST", "/api/v0/bundles/", { body: { limit: 1 }, key: i % 2 ? null : API_KEY })).status);
  }
  assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
  const limited = await call(emulator, "POST", "/api/v0/bundles/", { body: {} });
  assert.deepEqual(limited.body, { detail: "API requests too frequent endpoint threshold=10/min" });
});

test("a refused create costs its penalty: after 5 creates and one 429, the next create waits about 2.9 s, not 0.2 s", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  const offers = (await call(emulator, "POST", "/api/v0/bundles/", { body: { order: [["dph_total", "asc"]], limit: 10 } })).body.offers;
  const statuses = [];
  for (const offer of offers.slice(0, 6))
    statuses.push((await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { image: "img" } })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429], "a burst of ⌈4.5⌉ = 5 creates");
  assert.equal(emulator.listInstances().length, 5, "the refused create rented nothing");
  await sleep(400);
  assert.equal(
    (await call(emulator, "PUT", `/api/v0/asks/${offers[6].id}/`, { body: { image: "img" } })).status,
    429,
    "still paying the penalty",
  );
  await sleep(3200);
  assert.equal((await call(emulator, "PUT", `/api/v0/asks/${offers[7].id}/`, { body: { image: "img" } })).status, 200);
});

test("each API key has its own budget, and setRateLimits(false) turns the limits off", async (t) => {
  const emulator = await emulatorFor(t, { rateLimits: true });
  for (let i = 0; i < 2; i++) await call(emulator, "GET", "/api/v1/instances/");
  assert.equal((await call(emulator, "GET", "/api/v1/instances/")).status, 429);
  assert.equal(
    (await call(emulator, "GET", "/api/v1/instances/", { key: "another-key" })).status,
    401,
    "a wrong key is refused before any limit",
  );
  emulator.setRateLimits(false);
  for (let i = 0; i < 5; i++) assert.equal((await call(emulator, "GET", "/api/v1/instances/")).status, 200);
  assert.ok((await cheapestOffer(emulator)).id);
});
