/**
 * Templates, `/api/v0/template/` (vast-api.md §3.5): content-addressed `hash_id`, a numeric `id`
 * that survives edits, old hashes that keep naming old content, delete by `template_id` or
 * `hash_id`, and search with JSON `select_filters`.
 */
import { type ApiResult, type Handler, type RequestContext, json } from "../context.ts";
import type { TemplateRecord } from "../db.ts";
import { apiError } from "../errors.ts";
import { type SortKey, checkFilters, jsonQueryParam, matchesFilters, sortRecords } from "../query.ts";
import { DeleteTemplateBody, TemplateBody, parseBody } from "../schemas.ts";
import { contentHash, templateContent, templateView } from "../template-content.ts";

function notFound(what: string) {
  return apiError(404, "not_found", `Template ${what} not found`);
}

/** The live template a hash names: its current one, or the owner of an older version. */
function templateByHash(
  templates: TemplateRecord[],
  hashId: string,
  findVersion: (hash: string) => { templateId: number } | undefined,
): TemplateRecord | undefined {
  const current = templates.find((template) => template.hashId === hashId);
  if (current) return current;
  const version = findVersion(hashId);
  return version ? templates.find((template) => template.id === version.templateId) : undefined;
}

/** `POST /api/v0/template/`; identical content returns the existing template (§3.5, §10). */
export const createTemplate: Handler = (ctx) => {
  const { db } = ctx.state;
  const content = templateContent(parseBody(TemplateBody, ctx.body));
  const hashId = contentHash(content);
  const existing = db.listTemplates().find((template) => template.hashId === hashId);
  const id = existing?.id ?? db.nextId("template");
  if (!existing) db.insertTemplate(id, hashId, content, ctx.now / 1000);
  const record = db.getTemplate(id) as TemplateRecord;
  return json({ success: true, msg: `Template Created Successfully! New Template ID: ${id}`, template: templateView(record) });
};

/** Applies an edit to `template`: same `id`, a new `hash_id` when the content changed. */
function applyEdit(ctx: RequestContext, template: TemplateRecord | undefined, body: TemplateBody, what: string): ApiResult {
  const { db } = ctx.state;
  if (!template) throw notFound(what);
  const content = templateContent(body, template.content);
  const hashId = contentHash(content);
  if (hashId !== template.hashId) db.updateTemplate(template.id, hashId, content);
  return json({ success: true, template: templateView(db.getTemplate(template.id) as TemplateRecord) });
}

/** `PUT /api/v0/template/` `{"hash_id", ...fields}`: same `id`, new `hash_id`; null fields keep their value. */
export const editTemplate: Handler = (ctx) => {
  const { db } = ctx.state;
  const body = parseBody(TemplateBody, ctx.body);
  if (!body.hash_id) throw apiError(400, "invalid_args", "hash_id is required");
  return applyEdit(
    ctx,
    templateByHash(db.listTemplates(), body.hash_id, (hash) => db.findTemplateVersion(hash)),
    body,
    body.hash_id,
  );
};

/** `PUT /api/v1/template/` `{"id", "hash_id", ...fields}`, as vastai 1.9 sends it: addressed by `id`. */
export const editTemplateV1: Handler = (ctx) => {
  const body = parseBody(TemplateBody, ctx.body);
  if (body.id === undefined || body.id === null) throw apiError(400, "invalid_args", "id is required");
  return applyEdit(
    ctx,
    ctx.state.db.listTemplates().find((template) => template.id === body.id),
    body,
    String(body.id),
  );
};

/** `DELETE /api/v0/template/` `{"template_id"}` or `{"hash_id"}`; the versions stay launchable (§3.5). */
export const deleteTemplate: Handler = (ctx) => {
  const { db } = ctx.state;
  const body = parseBody(DeleteTemplateBody, ctx.body);
  const templates = db.listTemplates();
  let template: TemplateRecord | undefined;
  if (body.template_id !== undefined && body.template_id !== null) {
    template = templates.find((candidate) => candidate.id === body.template_id);
  } else if (body.hash_id) {
    template = templateByHash(templates, body.hash_id, (hash) => db.findTemplateVersion(hash));
  } else {
    throw apiError(400, "invalid_args", "template_id or hash_id is required");
  }
  if (!template) throw notFound(String(body.template_id ?? body.hash_id));
  db.deleteTemplate(template.id);
  return json({ success: true });
};

/** `GET /api/v0/template/?select_cols=["*"]&select_filters={...}&order_by=...` → `{"templates_found", "templates"}`. */
export const searchTemplates: Handler = (ctx) => {
  const filters = checkFilters(jsonQueryParam(ctx.query, "select_filters", {}));
  const orderBy = jsonQueryParam(ctx.query, "order_by", []);
  const keys: SortKey[] = Array.isArray(orderBy)
    ? orderBy.map((entry) => ({
        field: String((entry as { col?: unknown })?.col ?? "id"),
        desc: (entry as { dir?: unknown })?.dir === "desc",
      }))
    : [];
  const views = ctx.state.db.listTemplates().map(templateView);
  const templates = sortRecords(
    views.filter((view) => matchesFilters(view, filters)),
    keys,
  );
  return json({ success: true, templates_found: templates.length, templates });
};
