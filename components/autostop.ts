/**
 * The autostop option of {@link GpuFleet}: after some idle minutes an instance stops (or
 * destroys) itself, decided inside the instance by the image's portal (portal/autostop/), so it
 * works when nobody runs `pulumi up`. The settings reach the instance as `AUTOSTOP_*` template env
 * (they are not secrets); the portal reads them with the same rules (portal/config.ts).
 */
import { z } from "zod";

/** When an instance counts as idle, and what it does then. */
export interface AutostopOptions {
  /** Minutes without activity before the instance acts; a whole number from 1 to 10080 (a week). */
  readonly idleMinutes: number;
  /** `stop` (storage keeps billing, the instance can be started again) or `destroy`. Defaults to `stop`. */
  readonly action?: "stop" | "destroy";
  /** The busiest GPU's utilisation above which the instance is active, in %. Defaults to 5 (the image's default). */
  readonly gpuThreshold?: number;
  /** The container's CPU use above which it is active, in % of one core. Defaults to 20 (the image's default). */
  readonly cpuThreshold?: number;
}

const percent = z.number().min(0, "must be a percentage from 0 to 100").max(100, "must be a percentage from 0 to 100");
const Autostop = z.strictObject({
  idleMinutes: z
    .number()
    .int("must be a whole number of minutes")
    .min(1, "must be at least 1")
    .max(10_080, "must be at most 10080 (a week)"),
  action: z.enum(["stop", "destroy"], { error: 'must be "stop" or "destroy"' }).optional(),
  gpuThreshold: percent.optional(),
  cpuThreshold: percent.optional(),
});

/**
 * The template env for `options`, checked first.
 * @throws Error naming `<owner>: autostop.<field>`, the rule and the value given, before anything is created
 */
export function autostopEnv(owner: string, options: AutostopOptions): Record<string, string> {
  const parsed = Autostop.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join(".");
      const given = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], options);
      return `autostop${field ? `.${field}` : ""} ${issue.message}${given === undefined ? "" : `, got ${JSON.stringify(given)}`}`;
    });
    throw new Error(`${owner}: ${problems.join("; ")}`);
  }
  const o = parsed.data;
  return {
    AUTOSTOP_IDLE_MINUTES: String(o.idleMinutes),
    AUTOSTOP_ACTION: o.action ?? "stop",
    ...(o.gpuThreshold === undefined ? {} : { AUTOSTOP_GPU_THRESHOLD: String(o.gpuThreshold) }),
    ...(o.cpuThreshold === undefined ? {} : { AUTOSTOP_CPU_THRESHOLD: String(o.cpuThreshold) }),
  };
}
