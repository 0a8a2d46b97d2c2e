/**
 * The permissions document of a team role or an API key (vast-api-more.md §4.3), as a zod schema
 * and the type of the same name: `{"api": {<category>: {} | {<endpoint key>: {"constraints":
 * {<param>: {"eq" | "lte" | "gte": value}}}}}}`. Vast sends it on unchanged, so the kit checks it
 * before anything is created: a misspelt category fails `pulumi preview`, not the API call.
 */
import { z } from "zod";

/** The permission categories Vast knows (§4.3). */
export const PermissionCategory = z.enum([
  "misc",
  "user_read",
  "user_write",
  "instance_read",
  "instance_write",
  "billing_read",
  "billing_write",
  "machine_read",
  "machine_write",
  "team_read",
  "team_write",
]);
/** One of the eleven permission categories. */
export type PermissionCategory = z.infer<typeof PermissionCategory>;

/** A bound on one request parameter: equal to, at most, or at least a value. */
export const PermissionConstraint = z
  .strictObject({
    eq: z.union([z.string(), z.number(), z.boolean()]).optional(),
    lte: z.number().optional(),
    gte: z.number().optional(),
  })
  .refine((c) => c.eq !== undefined || c.lte !== undefined || c.gte !== undefined, "give at least one of eq, lte or gte");
export type PermissionConstraint = z.infer<typeof PermissionConstraint>;

/** What one endpoint key allows: everything, or only requests whose parameters meet the constraints. */
export const EndpointPermission = z.strictObject({ constraints: z.record(z.string().min(1), PermissionConstraint).optional() });
export type EndpointPermission = z.infer<typeof EndpointPermission>;

/**
 * A permissions document. `{}` under a category grants the whole category; endpoint keys look like
 * `api.instance.request_logs`. An empty document `{}` is what Vast expands to the full default set.
 */
export const VastPermissions = z.strictObject({
  api: z.partialRecord(
    PermissionCategory,
    z.record(z.string().regex(/^api\.[a-z0-9_.]+$/), EndpointPermission, {
      error: (issue) => (issue.code === "invalid_key" ? "endpoint keys look like api.instance.request_logs" : undefined),
    }),
    {
      // A partial record over an enum reports unknown keys as `unrecognized_keys`, which its issue type leaves out.
      error: (issue) => {
        const { code, keys = [] } = issue as { code: string; keys?: string[] };
        if (code !== "unrecognized_keys") return undefined;
        return `unknown permission categor${keys.length > 1 ? "ies" : "y"} ${keys.join(", ")}: use ${PermissionCategory.options.join(", ")}`;
      },
    },
  ),
});
/** A permissions document (vast-api-more.md §4.3). */
export type VastPermissions = z.infer<typeof VastPermissions>;
