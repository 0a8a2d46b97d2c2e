/**
 * The resolved inputs of a `VastInstance` as its provider methods see them, validated by zod in
 * `check`. The resource class's `Input<>` args mirror these fields.
 */
import { z } from "zod";
import { WhenDestroyedInput, WhenStoppedInput } from "./drift-policy.ts";
import { maxUserLabelLength } from "./instance-tag.ts";
import { OfferCriteria } from "./offer-query.ts";
import { PortalWaitInput } from "./portal-wait.ts";
import { OutbidPolicy } from "./outbid.ts";

export const InstanceInputs = z
  .strictObject({
    /** Project, stack and resource name: the tag in the instance's label (instance-tag.ts). */
    owner: z.strictObject({ project: z.string().min(1), stack: z.string().min(1), resource: z.string().min(1) }),
    offer: OfferCriteria.optional(),
    offerId: z.number().int().positive().optional(),
    templateHashId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, "must be a 32-hex-digit template hash_id")
      .optional(),
    image: z.string().min(1).max(1024).optional(),
    env: z.record(z.string(), z.string()).default({}),
    ports: z.array(z.string()).default([]),
    diskGb: z.number().min(8, "Vast needs at least 8 GB of disk").default(16),
    label: z
      .string()
      .max(maxUserLabelLength, `must be at most ${maxUserLabelLength} characters: the kit's tag follows it within Vast's 256`)
      .regex(/^[^\n]*$/, "must be one line")
      .optional(),
    runtype: z.enum(["ssh", "jupyter", "args"]).optional(),
    args: z.array(z.string()).optional(),
    onstart: z.string().max(4048).optional(),
    bidPrice: z.number().min(0.001).max(128).optional(),
    state: z.enum(["running", "stopped"]).default("running"),
    imageLogin: z.string().optional(),
    readyTimeoutSeconds: z.number().int().positive().default(900),
    /** The most all of the stack's instances may cost together, in $/hour; a rent that would go over is refused. */
    stackBudgetPerHour: z.number().positive("must be more than 0 dollars per hour").optional(),
    /** An instance found stopped while it should run: `start` it on the next `up`, or `leave` it stopped (drift-policy.ts). */
    whenStopped: WhenStoppedInput,
    /** An instance found destroyed: `recreate` it on the next `up`, or `leave` it gone (drift-policy.ts). */
    whenDestroyed: WhenDestroyedInput,
    /** After "running", wait until the portal answers through its published port (portal-wait.ts). */
    waitForPortal: PortalWaitInput,
    /** An existing volume, local (same machine) or network (same cluster), mounted at create (vast-api-more.md §2.1). */
    volume: z
      .strictObject({
        volumeId: z.number().int().positive(),
        mountPath: z.string().regex(/^\/[\w./-]*$/, "must be an absolute Linux path such as /data"),
      })
      .optional(),
    /** Take over this existing instance instead of renting one (instance-adoption.ts). */
    adoptId: z.number().int().positive().optional(),
    /** What `up` does when this bid instance is outbid (outbid.ts). */
    whenOutbid: OutbidPolicy.default("wait"),
  })
  .refine((i) => [i.offer, i.offerId, i.adoptId].filter((v) => v !== undefined).length === 1, {
    message: "set exactly one of offer (search criteria), offerId and adoptId",
    path: ["offer"],
  })
  .refine((i) => i.adoptId !== undefined || i.image !== undefined || i.templateHashId !== undefined, {
    message: "set image, templateHashId, or both",
    path: ["image"],
  })
  .refine((i) => i.adoptId === undefined || i.volume === undefined, {
    message: "an adopted instance keeps the volumes it has: leave volume out with adoptId",
    path: ["volume"],
  });
export type InstanceInputs = z.infer<typeof InstanceInputs>;

/** Inputs that Vast cannot change on a live instance: changing one replaces it (and changes the tag's spec hash). */
export const replacingInputs = [
  "offer",
  "offerId",
  "templateHashId",
  "image",
  "env",
  "ports",
  "diskGb",
  "runtype",
  "args",
  "onstart",
  "imageLogin",
  "volume",
] as const;
