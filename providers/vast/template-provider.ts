/**
 * What a `VastTemplate` does. The numeric id is the resource id; `hashId` changes on every edit
 * and is an output (vast-api.md §3.5, pulumi.md §1 A.7).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs } from "../dynamic/index.ts";
import { vastKind, type ProviderSettings } from "./config.ts";
import { envProblems, toTemplateEnvString } from "./env-spec.ts";
import { VastError, VastErrorCode } from "./errors.ts";
import { OfferFilter } from "./offer-query.ts";
import type { TemplateBody } from "./schemas.ts";
import { sessionFor } from "./session.ts";

export const TemplateInputs = z.strictObject({
  name: z.string().min(1, "a template needs a name"),
  image: z.string().min(1).max(1024),
  tag: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  ports: z.array(z.string()).default([]),
  onstart: z.string().max(4048).optional(),
  runtype: z.enum(["ssh", "jupyter", "args"]).default("ssh"),
  sshDirect: z.boolean().default(true),
  jupyterDirect: z.boolean().default(false),
  useJupyterLab: z.boolean().default(false),
  args: z.string().optional(),
  diskGb: z.number().min(8).default(16),
  description: z.string().optional(),
  readme: z.string().optional(),
  private: z.boolean().default(true),
  searchFilter: OfferFilter.optional(),
  dockerLogin: z.strictObject({ registry: z.string().min(1), username: z.string().min(1), password: z.string().min(1) }).optional(),
  /** Take over this existing template (numeric id, or a 32-hex-digit hash of one of its versions) instead of creating one. */
  adoptId: z
    .union([z.number().int().positive(), z.string().regex(/^[0-9a-f]{32}$/, "must be a template id or its 32-hex-digit hash_id")])
    .optional(),
});
export type TemplateInputs = z.infer<typeof TemplateInputs>;

export interface TemplateOutputs extends TemplateInputs {
  templateId: number;
  hashId: string;
}

function body(inputs: TemplateInputs): TemplateBody {
  return {
    name: inputs.name,
    image: inputs.image,
    ...(inputs.tag ? { tag: inputs.tag } : {}),
    env: toTemplateEnvString(inputs.env, inputs.ports),
    onstart: inputs.onstart ?? null,
    runtype: inputs.runtype,
    ssh_direct: inputs.sshDirect,
    jup_direct: inputs.jupyterDirect,
    use_ssh: inputs.runtype !== "args",
    use_jupyter_lab: inputs.useJupyterLab,
    args_str: inputs.args ?? null,
    recommended_disk_space: inputs.diskGb,
    desc: inputs.description ?? null,
    readme: inputs.readme ?? null,
    private: inputs.private,
    ...(inputs.searchFilter ? { extra_filters: inputs.searchFilter } : {}),
    ...(inputs.dockerLogin
      ? {
          docker_login_repo: inputs.dockerLogin.registry,
          docker_login_user: inputs.dockerLogin.username,
          docker_login_pass: inputs.dockerLogin.password,
        }
      : {}),
  };
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(TemplateInputs, news, (inputs) =>
    envProblems(inputs.env, inputs.ports, true).map((reason) => ({ property: "env", reason })),
  );
}

export async function diff(id: string, olds: TemplateOutputs, news: TemplateInputs): Promise<pulumi.dynamic.DiffResult> {
  // Every field of a template is editable in place; edits keep the id and mint a new hash.
  const changed = (Object.keys(TemplateInputs.shape) as Array<keyof TemplateInputs>).some(
    (k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
  );
  // Only an `adoptId` naming another template is another template; naming the one held (by id, or
  // by the hash it had when adopted) is an edit at most.
  const another =
    news.adoptId !== undefined && news.adoptId !== olds.adoptId && news.adoptId !== Number(id) && news.adoptId !== olds.hashId;
  return { changes: changed, replaces: another ? ["adoptId"] : [], deleteBeforeReplace: false };
}

/**
 * Creates the template, or with `adoptId` takes over an existing one (nothing created) and edits
 * it to the inputs: an edit keeps its id, and content already equal keeps its hash too.
 */
export async function create(settings: ProviderSettings, inputs: TemplateInputs): Promise<pulumi.dynamic.CreateResult> {
  const session = sessionFor(settings);
  if (inputs.adoptId === undefined) {
    const template = await session.client.createTemplate(body(inputs));
    return { id: String(template.id), outs: { ...inputs, templateId: template.id, hashId: template.hash_id } };
  }
  const key = typeof inputs.adoptId === "number" ? { id: { eq: inputs.adoptId } } : { hash_id: { eq: inputs.adoptId } };
  const [found] = await session.client.searchTemplates(key);
  if (!found)
    throw new VastError(
      VastErrorCode.notFound,
      `adoptId: no template ${inputs.adoptId} among the account's templates (\`vastai search templates\`)`,
    );
  session.adoptedTemplates.add(found.id);
  const template = await session.client.updateTemplate(found.hash_id, body(inputs));
  return { id: String(template.id), outs: { ...inputs, templateId: template.id, hashId: template.hash_id } };
}

export async function update(
  settings: ProviderSettings,
  _id: string,
  olds: TemplateOutputs,
  news: TemplateInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const template = await sessionFor(settings).client.updateTemplate(olds.hashId, body(news));
  return { outs: { ...news, templateId: template.id, hashId: template.hash_id } };
}

export async function read(settings: ProviderSettings, id: string, props: TemplateOutputs): Promise<pulumi.dynamic.ReadResult> {
  const template = await sessionFor(settings).client.findTemplate(Number(id));
  if (!template) return { id: "" };
  return { id, props: { ...props, templateId: template.id, hashId: template.hash_id } };
}

export async function remove(settings: ProviderSettings, id: string): Promise<void> {
  const session = sessionFor(settings);
  // `up --replace` of an adopting resource adopts the template its predecessor holds, then deletes the predecessor.
  if (session.adoptedTemplates.has(Number(id))) {
    console.error(`vast template ${id}: kept: the resource that replaces this one adopted it`);
    return;
  }
  await session.client.deleteTemplate(Number(id));
}

export const templateKind = vastKind<TemplateInputs, TemplateOutputs>({ check, diff, create, update, read, remove });
