/**
 * `check` for every kind: validate inputs with zod, but let through values that are
 * still unknown during preview (they arrive as a sentinel string, pulumi.md §2.3).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** The string the engine sends for values not known yet (runtime/rpc.js `unknownValue`). */
export const unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function containsUnknown(value: unknown): boolean {
  if (value === unknownSentinel) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** zod-validates `news`; issues under a still-unknown value are dropped. `__provider` passes through. */
export function checkInputs<S extends z.ZodType>(
  schema: S,
  news: Record<string, unknown>,
  extraProblems: (inputs: z.infer<S>) => pulumi.dynamic.CheckFailure[] = () => [],
): pulumi.dynamic.CheckResult {
  const { __provider, ...inputs } = news;
  const parsed = schema.safeParse(inputs);
  if (parsed.success) {
    const failures = extraProblems(parsed.data);
    return failures.length ? { failures } : { inputs: { ...(parsed.data as object), __provider } };
  }
  const failures = parsed.error.issues
    .filter((issue) => !containsUnknown(valueAt(inputs, issue.path)))
    .map((issue) => ({ property: String(issue.path[0] ?? ""), reason: `${issue.path.join(".") || "inputs"}: ${issue.message}` }));
  return failures.length ? { failures } : { inputs: news };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
