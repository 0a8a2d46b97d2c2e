/**
 * A workergroup's filter in the CLI's query language (providers/vast/search-params.ts), table
 * driven, and read back by the emulator's parser of that language into the same `/bundles/`
 * filter, so what the kit sends selects the offers the kit meant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { searchFilters } from "../../emulator/search-params.ts";
import type { OfferFilter } from "../../providers/vast/offer-query.ts";
import { searchParamsProblems, toSearchParams } from "../../providers/vast/search-params.ts";

const cases: Array<[string, OfferFilter, string]> = [
  ["no filter: the CLI's defaults", {}, "verified=True rentable=True rented=False"],
  ["spaces become underscores", { gpu_name: { eq: "RTX 4090" } }, "verified=True rentable=True rented=False gpu_name=RTX_4090"],
  ["RAM in MB becomes the CLI's GB", { gpu_ram: { gte: 24000 } }, "verified=True rentable=True rented=False gpu_ram>=24"],
  [
    "ranges and lists",
    { num_gpus: { gte: 1, lte: 2 }, geolocation: { in: ["US", "CA"] } },
    "verified=True rentable=True rented=False num_gpus>=1 num_gpus<=2 geolocation in [US,CA]",
  ],
  ["a default overridden keeps its place", { verified: { eq: false } }, "verified=False rentable=True rented=False"],
];

for (const [title, filter, expected] of cases) {
  test(`search_params: ${title}`, () => {
    assert.deepEqual(searchParamsProblems(filter), []);
    assert.equal(toSearchParams(filter), expected);
  });
}

test("the emulator reads the kit's search_params back into the filter it came from, defaults included", () => {
  const filter: OfferFilter = { gpu_name: { eq: "RTX 4090" }, gpu_ram: { gte: 24000 }, num_gpus: { in: [1, 2] }, dph_total: { lt: 0.5 } };
  assert.deepEqual(searchFilters(toSearchParams(filter)), {
    verified: { eq: true },
    rentable: { eq: true },
    rented: { eq: false },
    gpu_name: { eq: "RTX 4090" },
    gpu_ram: { gte: 24000 },
    num_gpus: { in: ["1", "2"] },
    dph_total: { lt: "0.5" },
  });
});

test("values the query language cannot carry are named with their path and the rule", () => {
  assert.deepEqual(
    searchParamsProblems({ gpu_name: { eq: "RTX_4090" }, geolocation: { in: [] }, "bad field": { eq: 1 }, cuda: { gte: null } }),
    [
      ["gpu_name.eq", "must be non-empty, without underscores, commas, brackets, quotes or doubled spaces"],
      ["geolocation.in", "needs at least one value"],
      ["bad field", "a field name is letters, digits and underscores"],
      ["cuda.gte", "must be a string, a finite number or a boolean"],
    ],
  );
});
