import assert from "node:assert/strict";
import { test } from "node:test";
import { buildOfferQuery } from "../../providers/vast/offer-query.ts";

test("adds the CLI's default filters, cheapest-first order, the try count as limit and the disk for pricing", () => {
  assert.deepEqual(buildOfferQuery({ filter: { gpu_name: { eq: "RTX 4090" } } }, 32), {
    verified: { eq: true },
    external: { eq: false },
    rentable: { eq: true },
    rented: { eq: false },
    gpu_name: { eq: "RTX 4090" },
    order: [["dph_total", "asc"]],
    type: "on-demand",
    limit: 3,
    allocated_storage: 32,
  });
});

test("a price cap merges into an existing dph_total filter, and user filters override defaults", () => {
  const query = buildOfferQuery(
    {
      filter: { dph_total: { gte: 0.1 }, verified: { eq: false } },
      maxPricePerHour: 2,
      tries: 5,
      type: "bid",
      order: [["reliability", "desc"]],
    },
    16,
  );
  assert.deepEqual(query.dph_total, { gte: 0.1, lte: 2 });
  assert.deepEqual(query.verified, { eq: false });
  assert.equal(query.limit, 5);
  assert.equal(query.type, "bid");
  assert.deepEqual(query.order, [["reliability", "desc"]]);
});
