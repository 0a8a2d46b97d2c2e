/**
 * The program's configuration: every key of Pulumi.yaml's `config:` read through one strict
 * schema, so a bad value stops `pulumi up` with the key named before any resource is touched.
 * Defaults are the local stack's (the embedded default); `Pulumi.prod.example.yaml` shows a
 * team's production settings.
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
  templateName: z.string(),
  instanceLabelPrefix: z.string().max(200),
  image: z.string(),
  imageRepository: z.string().regex(/^[^\s@:]+(:\d+)?(\/[^\s@:]+)+$/, "must be registry/repository without a tag, e.g. ghcr.io/acme/vast-base"),
  imageVariants: z.string().transform((s) => s.split(",").map((v) => v.trim())).pipe(z.array(z.enum(["cuda", "rocm"], { error: "lists variants from: cuda, rocm" })).min(1)),
  imageBaseCuda: z.string().min(1),
  imageBaseRocm: z.string().min(1),
  imageOffline: z.boolean(),
  imageRevision: z.string(),
  cloudflareAccountId: z.string(),
  cloudflareZoneId: z.string(),
  tunnelDomain: z.string(),
}).refine((c) => [c.cloudflareAccountId, c.cloudflareZoneId, c.tunnelDomain].every(Boolean) || ![c.cloudflareAccountId, c.cloudflareZoneId, c.tunnelDomain].some(Boolean), {
  message: "set all three of cloudflareAccountId, cloudflareZoneId and tunnelDomain for a tunnel, or none",
  path: ["tunnelDomain"],
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
    templateName: config.get("templateName") ?? "",
    instanceLabelPrefix: config.get("instanceLabelPrefix") ?? "",
    image: config.get("image") ?? "",
    imageRepository: config.get("imageRepository") ?? "127.0.0.1:5000/vast-kit/base",
    imageVariants: config.get("imageVariants") ?? "cuda",
    imageBaseCuda: config.get("imageBaseCuda") ?? "vast-kit/debian-base:bookworm",
    imageBaseRocm: config.get("imageBaseRocm") ?? "vast-kit/debian-base:bookworm",
    imageOffline: config.getBoolean("imageOffline") ?? true,
    imageRevision: config.get("imageRevision") ?? "",
    cloudflareAccountId: config.get("cloudflareAccountId") ?? "",
    cloudflareZoneId: config.get("cloudflareZoneId") ?? "",
    tunnelDomain: config.get("tunnelDomain") ?? "",
  };
  const parsed = StackConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const project = pulumi.getProject();
  const problems = parsed.error.issues.map((i) => `  ${project}:${String(i.path[0] ?? "")}: ${i.message}`).join("\n");
  throw new pulumi.RunError(`invalid stack configuration:\n${problems}\nFix it with \`pulumi config set <key> <value>\`.`);
}
