/**
 * The program's configuration: every key of the project's namespace read through one strict
 * schema, so a bad value, or a key that is not one of ours (a typo), stops `pulumi up` with the key
 * named before any resource is touched. Defaults live in one place, Pulumi.yaml's `config:` block,
 * which the engine applies before the program runs; `Pulumi.prod.example.yaml` shows a team's
 * production settings.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Config values reach the program as strings; numbers and booleans are parsed from them. */
const wholeNumber = (min: number, max: number, rule: string) =>
  z.string().regex(/^\d+$/, rule).transform(Number).pipe(z.number().min(min, rule).max(max, rule));
const flag = z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true");

const StackConfig = z
  .strictObject({
    instanceCount: wholeNumber(0, 100, "must be a whole number of instances from 0 (the template alone) to 100"),
    gpuName: z.string().min(1, 'must name a GPU model as Vast spells it, e.g. "RTX 4090"'),
    numGpus: wholeNumber(1, 16, "must be a whole number of GPUs per instance from 1 to 16"),
    maxPricePerHour: z
      .string()
      .regex(/^\d+(\.\d+)?$/, "must be a price in dollars per hour, written as a decimal number such as 1.50")
      .transform(Number)
      .pipe(
        z
          .number()
          .gt(0, "must be more than 0 dollars per hour: it caps what each instance may cost, e.g. 1.50")
          .max(128, "must be at most 128 dollars per hour, Vast's highest price"),
      ),
    budgetPerHour: z
      .string()
      .regex(
        /^(\d+(\.\d+)?)?$/,
        "must be empty (no cap) or the most the stack's instances may cost together in dollars per hour, such as 5.00",
      )
      .transform((v) => (v === "" ? undefined : Number(v)))
      .pipe(z.number().gt(0, "must be more than 0 dollars per hour, or empty for no cap").optional()),
    offerTries: wholeNumber(1, 20, "must be a whole number of offers to try from 1 to 20"),
    diskGb: wholeNumber(8, 100_000, "must be a whole number of GB, at least 8 (Vast's minimum)"),
    templateName: z.string().max(200, "must be at most 200 characters"),
    instanceLabelPrefix: z
      .string()
      .max(90, "must be at most 90 characters: the instance number and the kit's tag follow it")
      .regex(/^[^\n]*$/, "must be one line"),
    image: z.string(),
    imageRepository: z
      .string()
      .regex(/^[^\s@:]+(:\d+)?(\/[^\s@:]+)+$/, "must be registry/repository without a tag, e.g. ghcr.io/acme/vast-base"),
    imageVariants: z
      .string()
      .transform((s) => s.split(",").map((v) => v.trim()))
      .pipe(z.array(z.enum(["cuda", "rocm"], { error: "must list variants from cuda and rocm, comma-separated" })).min(1)),
    imageBaseCuda: z.string().min(1, "must name the base image of the CUDA variant"),
    imageBaseRocm: z.string().min(1, "must name the base image of the ROCm variant"),
    imageOffline: flag,
    imageRevision: z.string(),
    autostopIdleMinutes: z
      .string()
      .regex(/^(\d+)?$/, "must be empty (no autostop) or a whole number of idle minutes from 1 to 10080")
      .transform((v) => (v === "" ? undefined : Number(v)))
      .pipe(
        z
          .number()
          .min(1, "must be at least 1 idle minute, or empty for no autostop")
          .max(10_080, "must be at most 10080 (a week)")
          .optional(),
      ),
    autostopAction: z.enum(["stop", "destroy"], { error: 'must be "stop" or "destroy"' }),
    cloudflareAccountId: z.string(),
    cloudflareZoneId: z.string(),
    tunnelDomain: z.string(),
    whenStopped: z
      .enum(["", "start", "leave"], {
        error:
          "must be start (start an instance found stopped on the next up), leave (keep it stopped), or empty (leave with autostop, else start)",
      })
      .transform((v) => (v === "" ? undefined : v)),
    whenDestroyed: z.enum(["recreate", "leave"], {
      error: "must be recreate (rent a new instance for one found destroyed) or leave (rent nothing)",
    }),
    waitForPortal: flag,
  })
  .refine(
    (c) =>
      [c.cloudflareAccountId, c.cloudflareZoneId, c.tunnelDomain].every(Boolean) ||
      ![c.cloudflareAccountId, c.cloudflareZoneId, c.tunnelDomain].some(Boolean),
    {
      message: "set all three of cloudflareAccountId, cloudflareZoneId and tunnelDomain for a tunnel, or none",
      path: ["tunnelDomain"],
    },
  );
export type StackConfig = z.infer<typeof StackConfig>;

const knownKeys = Object.keys(StackConfig.shape);

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (const [i, ca] of [...a].entries()) {
    const row = [i + 1];
    for (const [j, cb] of [...b].entries()) row.push(Math.min(previous[j + 1]! + 1, row[j]! + 1, previous[j]! + (ca === cb ? 0 : 1)));
    previous = row;
  }
  return previous[b.length]!;
}

function didYouMean(key: string): string {
  const [best] = knownKeys.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const).sort((a, b) => a[1] - b[1]);
  return best && best[1] <= Math.max(2, key.length / 3) ? `; did you mean ${best[0]}?` : `; the keys are listed in Pulumi.yaml`;
}

/**
 * Checks the project's config (`all`: every config key of the stack, as the engine passes it);
 * returns the parsed settings, or every problem as "<project>:<key>: <rule>".
 */
export function parseStackConfig(project: string, all: Record<string, string>): { config: StackConfig } | { problems: string[] } {
  const prefix = `${project}:`;
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (knownKeys.includes(name)) raw[name] = value;
    else problems.push(`${key}: is not a setting of this project${didYouMean(name)}`);
  }
  const parsed = StackConfig.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "");
      const missing = issue.code === "invalid_type" && raw[name] === undefined;
      problems.push(
        `${prefix}${name}: ${missing ? "has no value; Pulumi.yaml gives every key a default, so run from the project directory" : issue.message}`,
      );
    }
  }
  return problems.length ? { problems } : { config: (parsed as { data: StackConfig }).data };
}

/** Reads and validates the stack's config; throws one error listing every problem. */
export function readStackConfig(): StackConfig {
  const result = parseStackConfig(pulumi.getProject(), pulumi.runtime.allConfig());
  if ("config" in result) return result.config;
  throw new pulumi.RunError(
    `invalid stack configuration:\n${result.problems.map((p) => `  ${p}`).join("\n")}\nFix it with \`pulumi config set <key> <value>\` (or \`pulumi config rm <key>\`).`,
  );
}
