/**
 * The declarative part of the capability manifest (instance-runtime.md §8.10):
 * the base declaration below, then every `/etc/vast_capabilities.d/*.yaml` in
 * name order (derivative images add `30-<app>.yaml`). Lists are concatenated,
 * `python_environments` merge by name (their `packages_of_interest` unite),
 * `image` merges key by key. A fragment that is not valid YAML or has a section
 * of the wrong type is left out and reported, never fatal.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";

/** A Python environment an agent can use. */
const PythonEnvironment = z.looseObject({
  name: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  packages_of_interest: z.array(z.string()).optional(),
});

/** An OpenAI-compatible endpoint served by one of the portal's apps (matched by app name). */
const OpenAiEndpointHint = z.looseObject({
  service: z.string().min(1),
  path: z.string().default("/v1"),
  capabilities: z.array(z.string()).default([]),
  models_path: z.string().optional(),
});

/** One fragment file. */
export const CapabilityFragment = z.looseObject({
  image: z.record(z.string(), z.unknown()).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  python_environments: z.array(PythonEnvironment).optional(),
  openai_endpoints: z.array(OpenAiEndpointHint).optional(),
});

/** A fragment as written. */
export type CapabilityFragment = z.input<typeof CapabilityFragment>;

/** The merged declarations. */
export interface MergedFragments {
  /** Image identity, merged key by key (later fragments win). */
  readonly image: Record<string, unknown>;
  /** Every fragment's tools, in order. */
  readonly tools: Record<string, unknown>[];
  /** Environments merged by name (or path), `packages_of_interest` united. */
  readonly python_environments: (Record<string, unknown> & { name?: string; path?: string; packages_of_interest?: string[] })[];
  /** OpenAI-compatible endpoint hints, matched to apps by `service` = app name. */
  readonly openai_endpoints: z.output<typeof OpenAiEndpointHint>[];
  /** Fragments left out, with the reason. */
  readonly errors: string[];
}

/**
 * What the image itself declares (the original ships it as `10-base.yaml`).
 * Tools are reported with whether they are on `PATH` right now.
 */
export const BASE_FRAGMENT: CapabilityFragment = {
  image: {
    name: "vast-kit base image",
    repo: "https://github.com/vast-ai/base-image",
    compatible_with: "vastai/base-image (portal v3.1.5 contract)",
  },
  tools: [
    { name: "uv", purpose: "fast pip-compatible installer; `uv pip install --python /venv/main/bin/python …`" },
    { name: "pip", purpose: "system pip (PIP_BREAK_SYSTEM_PACKAGES=1)" },
    { name: "git", purpose: "clone repositories" },
    { name: "wget", purpose: "downloads" },
    { name: "curl", purpose: "HTTP requests" },
    { name: "supervisorctl", purpose: "start, stop and restart services" },
    { name: "cloudflared", purpose: "quick and named tunnels (the portal drives it)" },
    { name: "rclone", purpose: "cloud storage sync" },
    { name: "hf", purpose: "Hugging Face downloads" },
    { name: "vastai", purpose: "the Vast CLI (CONTAINER_API_KEY)" },
  ],
  python_environments: [{ name: "main", path: "/venv/main", activate: "source /venv/main/bin/activate", packages_of_interest: ["pip"] }],
};

/** Merge the base declaration and every fragment in `dir` (sorted by file name). */
export async function loadFragments(dir: string): Promise<MergedFragments> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".yaml")).sort();
  const merged: MergedFragments = { image: {}, tools: [], python_environments: [], openai_endpoints: [], errors: [] };
  const envs = new Map<string, MergedFragments["python_environments"][number]>();
  const add = (fragment: z.output<typeof CapabilityFragment>) => {
    Object.assign(merged.image, fragment.image ?? {});
    merged.tools.push(...(fragment.tools ?? []));
    merged.openai_endpoints.push(...(fragment.openai_endpoints ?? []));
    for (const env of fragment.python_environments ?? []) {
      const key = env.name ?? env.path;
      if (key === undefined) continue;
      const seen = envs.get(key);
      if (seen === undefined) {
        envs.set(key, { ...env });
        continue;
      }
      const interest = [...new Set([...(seen.packages_of_interest ?? []), ...(env.packages_of_interest ?? [])])];
      Object.assign(seen, env, interest.length > 0 ? { packages_of_interest: interest } : {});
    }
  };
  add(CapabilityFragment.parse(BASE_FRAGMENT));
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await fs.readFile(file, "utf8").catch(() => undefined);
    const doc = text === undefined ? undefined : YAML.parseDocument(text, { prettyErrors: false });
    if (doc === undefined || doc.errors.length > 0) {
      merged.errors.push(`${file}: ${doc === undefined ? "unreadable" : `not valid YAML (${doc.errors[0]?.message.split("\n")[0]})`}`);
      continue;
    }
    const parsed = CapabilityFragment.safeParse(doc.toJS() ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      merged.errors.push(`${file}: ${issue?.path.map(String).join(".") || "document"}: ${issue?.message}`);
      continue;
    }
    add(parsed.data);
  }
  merged.python_environments.push(...envs.values());
  return merged;
}
