/**
 * The tag every instance the kit rents carries in its Vast label, so that any instance can be
 * traced to the project, stack and resource that rented it, and found again by an exact-label
 * filter on the instance list (the list filters on `label`, vast-api.md §3.3.2):
 *
 *   vk:<project>/<stack>/<resource>#<spec>
 *
 * `spec` is a short hash of the inputs that replace an instance when they change, so the new
 * instance of a replacement never carries its predecessor's tag. A user's own label goes in
 * front, separated by a space. Pure: no I/O.
 */
import { createHash } from "node:crypto";

/** Who rents an instance: the Pulumi project, stack and resource name. */
export interface InstanceOwner {
  project: string;
  stack: string;
  resource: string;
}

/** A tag read back from a label. `project`, `stack` and `resource` are as encoded in the tag. */
export interface ParsedTag {
  tag: string;
  project: string;
  stack: string;
  resource: string;
  spec: string;
}

/** Vast takes at most 256 label characters at create (vast-api.md §3.2). */
export const maxUserLabelLength = 100;
const maxSegmentLength = 60;
const tagPattern = /(?:^| )(vk:([^/\s]+)\/([^/\s]+)\/([^#\s]+)#([0-9a-f]{8}))$/;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A name as it stands in a tag: URI-encoded, or `~` and a hash when it is long. */
export function tagSegment(name: string): string {
  const encoded = encodeURIComponent(name);
  return encoded.length <= maxSegmentLength ? encoded : `~${sha256(name).slice(0, 12)}`;
}

/** JSON with object keys sorted at every level, so equal inputs always hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The first 8 hex digits of a hash of `spec` (the replacing inputs). */
export function specHash(spec: Record<string, unknown>): string {
  return sha256(canonicalJson(spec)).slice(0, 8);
}

export function instanceTag(owner: InstanceOwner, spec: string): string {
  return `vk:${tagSegment(owner.project)}/${tagSegment(owner.stack)}/${tagSegment(owner.resource)}#${spec}`;
}

/** The label to give an instance: the user's label, if any, then the tag. */
export function labelWithTag(userLabel: string | undefined, tag: string): string {
  return userLabel ? `${userLabel} ${tag}` : tag;
}

/** Splits a Vast label into the user's part and the kit's tag (absent on instances the kit did not rent). */
export function splitLabel(label: string | null | undefined): { userLabel: string; tag: ParsedTag | undefined } {
  const text = label ?? "";
  const match = tagPattern.exec(text);
  if (!match) return { userLabel: text, tag: undefined };
  const [whole, tag, project, stack, resource, spec] = match as unknown as [string, string, string, string, string, string];
  return { userLabel: text.slice(0, text.length - whole.length), tag: { tag, project, stack, resource, spec } };
}

/** The tag in `label` when it was made for `project`/`stack` (whatever the resource); undefined otherwise. */
export function stackTagOf(label: string | null | undefined, owner: Pick<InstanceOwner, "project" | "stack">): ParsedTag | undefined {
  const { tag } = splitLabel(label);
  return tag && tag.project === tagSegment(owner.project) && tag.stack === tagSegment(owner.stack) ? tag : undefined;
}
