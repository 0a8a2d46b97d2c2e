/**
 * Offer search and renting against the emulator: golden exchanges G1, G2 and G5 of
 * vast-api.md §7, plus the transport rules every route shares (Content-Type, slashes, auth).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { API_KEY, call, cheapestOffer, emulatorFor, rent } from "./_utils.ts";

const G1_BODY = {
  verified: { eq: true },
  external: { eq: false },
  rentable: { eq: true },
  gpu_name: { eq: "RTX 4090" },
  num_gpus: { eq: "1" },
  dph_total: { lt: "1.5" },
  reliability: { gt: "0.98" },
  cuda_max_good: { gte: "12.1" },
  cpu_ram: { gte: 32000.0 },
  geolocation: { in: ["US", "CA"] },
  order: [
    ["dph_total", "asc"],
    ["dlperf_per_dphtotal", "desc"],
  ],
  type: "on-demand",
  limit: 5,
  allocated_storage: 5.0,
};

test("G1: a CLI-style search coerces numeric strings, matches country codes, orders and limits", async (t) => {
  const emulator = await emulatorFor(t);
  const res = await call(emulator, "POST", "/api/v0/bundles/", { body: G1_BODY });
  assert.equal(res.status, 200);
  assert.equal(res.contentType, "application/json");
  const offers: any[] = res.body.offers;
  assert.ok(offers.length > 0 && offers.length <= 5, `got ${offers.length} offers`);
  for (const offer of offers) {
    assert.equal(offer.gpu_name, "RTX 4090");
    assert.equal(offer.num_gpus, 1);
    assert.ok(offer.dph_total < 1.5 && offer.reliability > 0.98 && offer.cuda_max_good >= 12.1 && offer.cpu_ram >= 32000);
    assert.match(offer.geolocation, /, (US|CA)$/);
    assert.equal(offer.verification, "verified");
    assert.equal(offer.rentable, true);
    assert.equal(offer.rented, false);
    assert.equal(offer.id, offer.ask_contract_id);
    for (const field of ["min_bid", "disk_space", "direct_port_count", "machine_id", "host_id", "gpu_ram", "dlperf", "score"]) {
      assert.equal(typeof offer[field], "number", field);
    }
  }
  const prices = offers.map((offer) => offer.dph_total);
  assert.deepEqual(
    prices,
    [...prices].sort((a, b) => a - b),
  );
});

test("G2: an API-style search with real numbers, an empty result, and bid pricing at min_bid", async (t) => {
  const emulator = await emulatorFor(t);
  const a = await call(emulator, "POST", "/api/v0/bundles/", {
    body: {
      verified: { eq: true },
      rentable: { eq: true },
      gpu_name: { eq: "RTX 4090" },
      num_gpus: { eq: 1 },
      direct_port_count: { gte: 1 },
      order: [["dlperf_per_dphtotal", "desc"]],
      type: "on-demand",
      limit: 5,
    },
  });
  assert.equal(a.status, 200);
  const perDollar = a.body.offers.map((offer: any) => offer.dlperf_per_dphtotal);
  assert.deepEqual(
    perDollar,
    [...perDollar].sort((x: number, y: number) => y - x),
  );

  const none = await call(emulator, "POST", "/api/v0/bundles/", { body: { gpu_name: { eq: "GTX 280" } } });
  assert.deepEqual(none.body, { offers: [] });

  const body = { gpu_name: { eq: "A100 PCIE" }, order: [["id", "asc"]] };
  const dashed = (await call(emulator, "POST", "/api/v0/bundles/", { body: { ...body, type: "on-demand" } })).body.offers;
  const undashed = (await call(emulator, "POST", "/api/v0/bundles/", { body: { ...body, type: "ondemand" } })).body.offers;
  assert.deepEqual(
    undashed.map((offer: any) => [offer.id, offer.dph_total]),
    dashed.map((offer: any) => [offer.id, offer.dph_total]),
    "ondemand is on-demand",
  );
  const reserved = (await call(emulator, "POST", "/api/v0/bundles/", { body: { ...body, type: "reserved" } })).body.offers;
  assert.ok(reserved.every((offer: any, i: number) => offer.discounted_dph_total < dashed[i].dph_total && offer.is_bid === false));

  const bid = await call(emulator, "POST", "/api/v0/bundles/", {
    body: { verified: { eq: true }, rentable: { eq: true }, order: [["score", "desc"]], type: "bid", allocated_storage: 20.0 },
  });
  for (const offer of bid.body.offers) {
    assert.equal(offer.is_bid, true);
    assert.ok(Math.abs(offer.dph_total - (offer.min_bid + (offer.storage_cost * 20) / 730)) < 1e-5);
  }
});

test("the catalogue spans NVIDIA consumer, datacenter and AMD Instinct GPUs in 1/2/4/8 slices", async (t) => {
  const emulator = await emulatorFor(t);
  const names = (await call(emulator, "GET", "/api/v0/gpu_names/unique/", { key: null })).body.gpu_names;
  for (const name of [
    "RTX 3090",
    "RTX 4090",
    "RTX 5090",
    "RTX A4000",
    "A100 PCIE",
    "A100 SXM4",
    "H100 PCIE",
    "H100 SXM",
    "L40S",
    "RTX A6000",
    "MI210",
    "MI250",
    "MI300X",
  ]) {
    assert.ok(names.includes(name), name);
  }
  const eight = await call(emulator, "POST", "/api/v0/bundles/", {
    body: { num_gpus: { in: ["8"] }, gpu_arch: { eq: "amd" }, limit: 100 },
  });
  assert.ok(eight.body.offers.length > 0);
  assert.equal(eight.body.offers.length <= 64, true, "limit is capped at 64");
  const de = await call(emulator, "POST", "/api/v0/bundles/", { body: { geolocation: { eq: "DE" }, datacenter: { eq: true } } });
  assert.ok(de.body.offers.every((offer: any) => offer.geolocation.endsWith(", DE") && offer.hosting_type === 1));
  const notUs = await call(emulator, "POST", "/api/v0/bundles/", {
    body: { geolocation: { notin: ["US"] }, num_gpus: { neq: 1 }, dph_total: { lte: 2 } },
  });
  assert.ok(notUs.body.offers.every((offer: any) => !offer.geolocation.endsWith(", US") && offer.num_gpus !== 1 && offer.dph_total <= 2));
  const driver = await call(emulator, "POST", "/api/v0/bundles/", {
    body: { driver_version: { gte: 550000000 }, gpu_arch: { eq: "nvidia" } },
  });
  assert.ok(driver.body.offers.every((offer: any) => Number(offer.driver_version.split(".")[0]) >= 550));
  const highPorts = await call(emulator, "POST", "/api/v0/bundles/", { body: { direct_port_end: { gt: 65535 }, limit: 64 } });
  assert.deepEqual(highPorts.body.offers, [], "every direct port is a real port number");
});

test('PUT /search/asks/ takes {"select_cols", "q"} and answers like /bundles/', async (t) => {
  const emulator = await emulatorFor(t);
  const res = await call(emulator, "PUT", "/api/v0/search/asks/", {
    body: { select_cols: ["*"], q: { gpu_name: { eq: "H100 SXM" }, limit: 3 } },
  });
  assert.equal(res.status, 200);
  assert.ok(res.body.offers.length > 0 && res.body.offers.length <= 3);
  assert.ok(res.body.offers.every((offer: any) => offer.gpu_name === "H100 SXM" && offer.num_gpus >= 1));
});

test("G5: a rented offer leaves search and answers 410 no_such_ask; an unknown one 404; destroy makes it rentable again", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator, { gpu_name: { eq: "RTX 3090" } });
  const id = await rent(emulator, offer.id);
  const again = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { client_id: "me", image: "img" } });
  assert.equal(again.status, 410);
  assert.deepEqual(again.body, {
    success: false,
    error: "no_such_ask",
    msg: `error 410/3907: no_such_ask Instance type ${offer.id} is no longer available.`,
    ask_id: offer.id,
  });
  const search = await call(emulator, "POST", "/api/v0/bundles/", { body: { id: { eq: offer.id } } });
  assert.deepEqual(search.body.offers, []);

  const unknown = await call(emulator, "PUT", "/api/v0/asks/999/", { body: { client_id: "me", image: "img" } });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, {
    success: false,
    error: "invalid_args",
    msg: "error 404/3603: no_such_ask Instance type by id 999 is not available.",
    ask_id: 999,
  });

  assert.equal((await call(emulator, "DELETE", `/api/v0/instances/${id}/`, { body: {} })).status, 200);
  const back = await call(emulator, "POST", "/api/v0/bundles/", { body: { ask_contract_id: { eq: offer.id } } });
  assert.equal(back.body.offers[0]?.id, offer.id);
});

test("create validates its body with the documented error shapes", async (t) => {
  const emulator = await emulatorFor(t);
  const offer = await cheapestOffer(emulator);
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ image: "img", label: "x".repeat(257) }, 400, "invalid_args"],
    [{ image: "img", disk: 4 }, 400, "invalid_args"],
    [{ image: "img", price: 500 }, 400, "invalid_price"],
    [{}, 400, "invalid_args"],
    [{ image: "img", template_id: 5 }, 400, "invalid_args"],
    [{ image: "img", runtype: "ssh telnet" }, 400, "invalid_args"],
    [{ image: "img", env: { BIG: "x".repeat(300) } }, 400, "invalid_args"],
    [{ image: "img", vm: true }, 400, "no_ssh_key_for_vm"],
  ];
  for (const [body, status, error] of cases) {
    const res = await call(emulator, "PUT", `/api/v0/asks/${offer.id}/`, { body: { client_id: "me", ...body } });
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(res.body.error, error, JSON.stringify(body));
    assert.equal(res.body.success, false);
    assert.equal(res.body.ask_id, offer.id);
  }
  assert.deepEqual(emulator.listInstances(), [], "nothing was rented by a refused create");
});

test("every JSON answer has Content-Type exactly application/json, and bad JSON is a 400", async (t) => {
  const emulator = await emulatorFor(t);
  for (const path of ["/api/v0/users/current", "/api/v0/instances/1/", "/api/v1/instances/", "/api/v0/secrets/"]) {
    assert.equal((await call(emulator, "GET", path)).contentType, "application/json", path);
  }
  const { request } = await import("undici");
  const res = await request(`${emulator.url}/api/v0/bundles/`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: '{"gpu_name":',
  });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(await res.body.json(), { error: "invalid_request", msg: "Invalid json body" });
});

test("paths work with or without the trailing slash and with a doubled leading slash", async (t) => {
  const emulator = await emulatorFor(t);
  for (const path of ["/api/v0/users/current", "/api/v0/users/current/", "//api/v0/users/current", "//api/v0//users/current/"]) {
    const res = await call(emulator, "GET", path);
    assert.equal(res.status, 200, path);
    assert.equal(res.body.id, 1);
  }
  assert.equal((await call(emulator, "GET", "/api/v0/nothing/here/")).status, 404);
});

test("auth: Bearer or ?api_key=; a wrong or missing key is a 401 auth_error; gpu_names needs none", async (t) => {
  const emulator = await emulatorFor(t);
  const AUTH_ERROR = { success: false, error: "auth_error", msg: "Invalid user key" };
  const wrong = await call(emulator, "GET", "/api/v0/users/current", { key: "not-the-key" });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, AUTH_ERROR);
  assert.deepEqual((await call(emulator, "GET", "/api/v1/instances/", { key: null })).body, AUTH_ERROR);
  assert.equal((await call(emulator, "GET", `/api/v0/users/current/?api_key=${API_KEY}`, { key: null })).status, 200);
  assert.equal((await call(emulator, "GET", "/api/v0/gpu_names/unique/", { key: null })).status, 200);
  assert.equal((await call(emulator, "POST", "/api/v0/bundles/", { key: null, body: { limit: 1 } })).status, 200, "anonymous search");
  assert.equal((await call(emulator, "POST", "/api/v0/bundles/", { key: "bad", body: { limit: 1 } })).status, 401);
  const user = await call(emulator, "GET", "/api/v0/users/current");
  assert.ok(!user.text.includes(API_KEY), "users/current never returns the key");
  assert.equal(typeof user.body.credit, "number");
  assert.equal(typeof user.body.email, "string");
});
