/**
 * The program's configuration: every key of Pulumi.yaml's `config:` read through one strict
 * schema, so a bad value stops `pulumi up` with the key named before any resource is touched.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const StackConfig = z.strictObject({
  instanceCount: z.number().int().min(0).max(100),
  gpuName: z.string().min(1),
  numGpus: z.number().int().min(1).max(16),
  maxPricePerHour: z.coerce.number({ error: "must be a decimal number of dollars, e.g. 1.50" }).positive(),
  offerTries: z.number().int().min(1).max(20),
  diskGb: z.number().int().min(8, "Vast needs at least 8 GB"),
  image: z.string().min(1),
  templateName: z.string(),
  instanceLabelPrefix: z.string().max(200),
});
export type StackConfig = z.infer<typeof StackConfig>;

/** Reads and validates the stack's config; throws one error listing every bad key. */
export function readStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const raw = {
    instanceCount: config.getNumber("instanceCount") ?? 1,
    gpuName: config.get("gpuName") ?? "RTX 4090",
    numGpus: config.getNumber("numGpus") ?? 1,
    maxPricePerHour: config.get("maxPricePerHour") ?? "1.50",
    offerTries: config.getNumber("offerTries") ?? 3,
    diskGb: config.getNumber("diskGb") ?? 32,
    image: config.get("image") ?? "vastai/base-image:cuda-12.4.1-auto",
    templateName: config.get("templateName") ?? "",
    instanceLabelPrefix: config.get("instanceLabelPrefix") ?? "",
  };
  const parsed = StackConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const project = pulumi.getProject();
  const problems = parsed.error.issues.map((i) => `  ${project}:${i.path.join(".")}: ${i.message}`).join("\n");
  throw new pulumi.RunError(`invalid stack configuration:\n${problems}\nFix it with \`pulumi config set <key> <value>\`.`);
}
