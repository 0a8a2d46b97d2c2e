/**
 * The Tools page's cards (instance-runtime.md §4.3): `/etc/portal-links.yaml`
 * (a YAML list of cards, placed `before` or `after` the built-in ones) and
 * `PORTAL_LINKS` (`Label|URL|Description,...`, appended after), around the
 * built-in cards that link Vast's documentation. Each entry is checked on its
 * own with zod: a bad entry is left out and reported by field and rule, so one
 * mistake in a derivative image's file never hides the rest of the page or
 * stops the portal. Only `http:`, `https:` and relative URLs are accepted; the
 * page renders every field as text.
 * @module
 */
import fs from "node:fs/promises";
import YAML from "yaml";
import { z } from "zod";

/** The icons a card may name (§4.3). */
export const LinkIcons = [
  "link",
  "book",
  "code",
  "terminal",
  "cube",
  "globe",
  "tool",
  "tag",
  "grid",
  "gpu",
  "rocket",
  "image",
  "download",
  "star",
  "zap",
  "database",
] as const;

// Whitespace and control characters: browsers drop some of them inside a scheme ("java\tscript:").
const UNSAFE_CHARS = /[\x00-\x20\x7f]/;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** True for an `http:`/`https:` URL or a relative one (no scheme), with no whitespace or control characters. */
export function isSafeLinkUrl(url: string): boolean {
  if (url === "" || UNSAFE_CHARS.test(url)) return false;
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === "http" || scheme === "https";
}

const LinkUrl = z
  .string()
  .trim()
  .min(1, { message: "must not be empty", abort: true })
  .refine(isSafeLinkUrl, "must be an http(s) URL or a relative path, without spaces (no javascript:, data: or other schemes)");
const Text = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");

/** A secondary button of a card. */
const SecondaryLink = z.strictObject({ label: Text, url: LinkUrl });

/** One entry of `/etc/portal-links.yaml`. */
export const PortalLinkEntry = z.strictObject({
  label: Text,
  url: LinkUrl,
  description: z.string().max(1000, "must be at most 1000 characters").optional(),
  icon: z.enum(LinkIcons).default("link"),
  button_text: Text.default("Open"),
  position: z.enum(["before", "after"]).default("after"),
  links: z.array(SecondaryLink).max(8, "must have at most 8 entries").default([]),
});

/** A card as the page renders it. */
export interface ToolCard {
  /** The card's title. */
  readonly label: string;
  /** Where its main button goes (http, https or relative). */
  readonly url: string;
  /** A line under the title; empty for none. */
  readonly description: string;
  /** One of {@link LinkIcons}. Defaults to `link`. */
  readonly icon: (typeof LinkIcons)[number];
  /** The main button's text. Defaults to `Open`. */
  readonly button_text: string;
  /** Secondary buttons. Defaults to none. */
  readonly links: readonly { readonly label: string; readonly url: string }[];
  /** Where the card comes from. */
  readonly source: "file" | "builtin" | "env";
}

/** The Tools page: cards in display order, and what was left out and why. */
export interface ToolsPage {
  readonly cards: readonly ToolCard[];
  /** One message per problem, naming the file or variable, the field and the rule. */
  readonly errors: readonly string[];
}

const docs = (path: string) => `https://docs.vast.ai/${path}`;
const builtin = (
  label: string,
  url: string,
  description: string,
  icon: ToolCard["icon"],
  button_text: string,
  links: ToolCard["links"] = [],
) => ({ label, url, description, icon, button_text, links, source: "builtin" }) as const satisfies ToolCard;

/** The built-in cards (§4.3: Vast's documentation, the base image, the community). */
export const BUILTIN_TOOL_CARDS: readonly ToolCard[] = [
  builtin("Quick Start Guide", docs("quickstart"), "New to Vast.ai? Start here.", "rocket", "Read Guide"),
  builtin("Instance Portal", docs("instance-portal"), "The gateway to the applications running on this instance.", "globe", "Read Guide"),
  builtin("Templates", docs("templates"), "Templates configure your instance: image, ports, environment.", "grid", "Read Guide", [
    { label: "Base Image", url: "https://github.com/vast-ai/base-image" },
  ]),
  builtin("CLI Tool", docs("cli"), "Manage instances from the command line.", "terminal", "Installation Guide"),
  builtin("Python SDK", docs("sdk/python/quickstart"), "Drive Vast.ai from Python.", "code", "Read Guide"),
  builtin("REST API", docs("api-reference/introduction"), "The HTTP API behind the console, the CLI and the SDK.", "database", "Reference"),
  builtin("Model Library", "https://vast.ai/model/library", "Ready-made templates for popular models.", "cube", "Browse"),
  builtin("Community Hub", "https://discord.gg/hSuEbSQ4X8", "Get help and share experience with other users.", "star", "Join Discord"),
  builtin("FAQ", docs("faq"), "Answers to common questions.", "book", "Read FAQ"),
];

/** Options of {@link loadToolsPage}. */
export interface ToolsPageSources {
  /** `/etc/portal-links.yaml` under the instance root. */
  readonly file: string;
  /** `PORTAL_LINKS`, if set. */
  readonly env: string | undefined;
}

/** Read the file and the variable (on every page load, so edits show without a restart). */
export async function loadToolsPage(sources: ToolsPageSources): Promise<ToolsPage> {
  const errors: string[] = [];
  const fromFile = await readLinksFile(sources.file, errors);
  const fromEnv = parseLinksEnv(sources.env, errors);
  return {
    cards: [
      ...fromFile.filter((c) => c.position === "before"),
      ...BUILTIN_TOOL_CARDS,
      ...fromFile.filter((c) => c.position === "after"),
      ...fromEnv,
    ],
    errors,
  };
}

async function readLinksFile(file: string, errors: string[]): Promise<(ToolCard & { position: "before" | "after" })[]> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    // The base image ships no links file (§4.3): absence is the normal case.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      errors.push(`${file}: unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    return [];
  }
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    errors.push(`${file}: not valid YAML (${doc.errors[0]?.message.split("\n")[0]})`);
    return [];
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) {
    errors.push(`${file}: must be a YAML list of links (- label: …, url: …)`);
    return [];
  }
  const cards: (ToolCard & { position: "before" | "after" })[] = [];
  data.forEach((item, index) => {
    const parsed = PortalLinkEntry.safeParse(item);
    if (!parsed.success) {
      errors.push(`${file}: entry ${index + 1}: ${describeIssues(parsed.error)}; left out`);
      return;
    }
    const { description, ...rest } = parsed.data;
    cards.push({ ...rest, description: description ?? "", source: "file" });
  });
  return cards;
}

/** `Label|URL|Description` entries separated by commas; the description is optional (§4.3). */
function parseLinksEnv(raw: string | undefined, errors: string[]): ToolCard[] {
  const cards: ToolCard[] = [];
  (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .forEach((entry, index) => {
      if (entry === "") return;
      const parts = entry.split("|");
      const [label, url] = parts;
      const description = parts.length > 2 ? parts.slice(2).join("|") : undefined;
      const parsed = PortalLinkEntry.pick({ label: true, url: true, description: true }).safeParse({ label, url, description });
      if (!parsed.success) {
        errors.push(`PORTAL_LINKS: entry ${index + 1} (Label|URL|Description): ${describeIssues(parsed.error)}; left out`);
        return;
      }
      const { label: l, url: u, description: d } = parsed.data;
      cards.push({ label: l, url: u, description: d?.trim() ?? "", icon: "link", button_text: "Open", links: [], source: "env" });
    });
  return cards;
}

/** "url: must be …" for each issue, naming the field path. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length === 0 ? "entry" : issue.path.map(String).join(".");
      const message =
        issue.code === "invalid_value" && "values" in issue
          ? `must be one of ${issue.values.join(", ")}`
          : issue.code === "invalid_type" && issue.message.endsWith("received undefined")
            ? "is required"
            : issue.message;
      return `${where}: ${message}`;
    })
    .join("; ");
}
