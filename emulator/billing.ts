/**
 * Charges from rented time, as `GET /api/v0/charges/` reports them (vast-api-more.md §6): one row
 * per instance and UTC day, with a GPU line and a storage line. Pure: the database keeps each
 * instance's lifecycle steps (its current timeline plus the ones transitions replaced), and this
 * turns them into money. Billing follows vast-api.md §4.4 and §3.4: storage bills from creation
 * until destroy, stopped or not; the GPU bills only while the container is running (loading and
 * scheduling are free).
 */
import type { InstanceRecord } from "./records.ts";

const HOURS_PER_MONTH = 730;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** One instance's billing history: what it was rented as, and every state it went through. */
export interface BilledInstance {
  record: InstanceRecord;
  /** Lifecycle steps in time order (epoch ms; `actual` null while provisioning). */
  steps: Array<{ at: number; actual: string | null }>;
  /** Epoch ms of the destroy; null while the instance lives. */
  destroyedAt: number | null;
}

/** A charge row or one of its lines; `start`/`end` in epoch seconds, `amount` in dollars. */
export interface ChargeRow {
  type: string;
  source: string | null;
  description: string;
  start: number;
  end: number;
  amount: number;
  metadata: Record<string, unknown>;
  items: ChargeRow[];
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * $/hour of the GPU (the bid when interruptible) and of the disk, as `instanceView` shows them:
 * the two add up to the instance's `dph_total` and the disk's is its `storage_total_cost`.
 */
export function ratesOf(record: InstanceRecord): { gpu: number; storage: number } {
  const storage = (Number(record.offer["storage_cost"]) * record.config.disk) / HOURS_PER_MONTH;
  const total = round((record.config.price ?? Number(record.offer["dph_base"])) + storage);
  return { gpu: total - round(storage), storage: round(storage) };
}

/** Running milliseconds between `from` and `to` according to `steps`. */
function runningMs(steps: BilledInstance["steps"], from: number, to: number): number {
  let total = 0;
  for (const [i, step] of steps.entries()) {
    if (step.actual !== "running") continue;
    const start = Math.max(step.at, from);
    const end = Math.min(steps[i + 1]?.at ?? Number.POSITIVE_INFINITY, to);
    if (end > start) total += end - start;
  }
  return total;
}

function line(type: string, hours: number, rate: number, start: number, end: number): ChargeRow {
  return {
    type,
    source: null,
    description: `${type === "gpu" ? "GPU" : "Storage"}: ${hours.toFixed(4)} h at $${rate.toFixed(6)}/h`,
    start: start / 1000,
    end: end / 1000,
    amount: round(hours * rate),
    metadata: {},
    items: [],
  };
}

/** The daily rows of one instance up to `now` (epoch ms): nothing for time not yet come. */
export function instanceCharges(billed: BilledInstance, now: number): ChargeRow[] {
  const { record } = billed;
  const rates = ratesOf(record);
  const createdAt = record.createdAt * 1000;
  const until = Math.min(billed.destroyedAt ?? now, now);
  const rows: ChargeRow[] = [];
  for (let day = Math.floor(createdAt / DAY_MS) * DAY_MS; day < until; day += DAY_MS) {
    const start = Math.max(day, createdAt);
    const end = Math.min(day + DAY_MS, until);
    const gpuHours = runningMs(billed.steps, start, end) / HOUR_MS;
    const items = [
      ...(gpuHours > 0 ? [line("gpu", gpuHours, rates.gpu, start, end)] : []),
      line("storage", (end - start) / HOUR_MS, rates.storage, start, end),
    ];
    rows.push({
      type: "instance",
      source: `instance-${record.id}`,
      description: `Instance ${record.id}${record.label ? ` (${record.label})` : ""}`,
      start: start / 1000,
      end: end / 1000,
      amount: round(items.reduce((sum, item) => sum + item.amount, 0)),
      metadata: { template_id: record.config.templateId, label: record.label, endpoint_id: null, workergroup_id: null },
      items,
    });
  }
  return rows;
}
