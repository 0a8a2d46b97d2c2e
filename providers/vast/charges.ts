/**
 * What Vast's charges say each instance has cost (vast-api-more.md §6): rows whose `source` is
 * `instance-<id>`, summed per instance. Pure: the rows come from `VastClient.listCharges` or the
 * `getCharges` lookup.
 */
import type { Charge } from "./schemas.ts";

/** Dollars charged per instance id, over every row given; rows of volumes and serverless are left out. */
export function spentPerInstance(charges: readonly Charge[]): Map<number, number> {
  const spent = new Map<number, number>();
  for (const row of charges) {
    const id = /^instance-(\d+)$/.exec(row.source ?? "")?.[1];
    if (row.type !== "instance" || id === undefined) continue;
    spent.set(Number(id), (spent.get(Number(id)) ?? 0) + row.amount);
  }
  return spent;
}
