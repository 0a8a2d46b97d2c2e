/**
 * `POST /capabilities/provision` (instance-runtime.md §4.1): run a provisioning manifest on a
 * running instance, and `GET /capabilities/provision/:job` for how that run goes.
 *
 * The body is a manifest, as YAML or JSON (`Content-Type` JSON or YAML; anything else is read as
 * YAML, which JSON is too), or the original's JSON wrapper `{"inline_yaml": "…"}` or
 * `{"manifest_url": "https://…"}`. A manifest given inline is validated with the shared schema
 * before anything runs (400 naming every bad field); a URL is fetched and validated by the run.
 * One run at a time: while one runs (the boot's or an earlier request's), the answer is 409 with its
 * job id. Otherwise the manifest is kept under /var/lib/vast-kit/provision-jobs/ and the
 * provisioner starts detached (`node main.js provision`, so it outlives a portal restart); the
 * answer is 202 with the job id and the status URL. Auth is the front's, as for every portal route.
 * @module
 */
import type { CapabilityExtension } from "./capability-extensions.ts";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import YAML from "yaml";
import { checkProvisioningManifest } from "../../contracts/provisioning-manifest.ts";
import { PortalError, PortalErrorCode } from "../errors.ts";
import { instancePath } from "../paths.ts";
import { readProvisioningStatus } from "../provisioning-status.ts";
import type { Route } from "./http.ts";
import { notFound, sendJson } from "./http.ts";

/** Container directory of the manifests the route received. */
export const PROVISION_JOBS_DIR = "/var/lib/vast-kit/provision-jobs";
const MAX_BODY = 1024 * 1024;
/** The program a job runs: `main.ts` from source, `main.js` in the bundled image program. */
const ENTRY = new URL(import.meta.url.endsWith(".ts") ? "../main.ts" : "./main.js", import.meta.url);

/** What the route needs. */
export interface ProvisionRouteDeps {
  /** Host path of the instance root. */
  readonly root: string;
  /** Environment of the jobs. Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Starts a job detached: `source` is a container path or a URL. Defaults to `node main.js provision --job ID SOURCE`. */
  readonly startJob?: (job: string, source: string) => void;
}

const badRequest = (detail: string) => new PortalError(PortalErrorCode.badRequest, detail, { status: 400 });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new PortalError(PortalErrorCode.badRequest, `the body is over ${MAX_BODY} bytes`, { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The manifest value of a request body, or the URL to fetch it from. */
function manifestOfBody(text: string, type: string): { readonly value: unknown } | { readonly url: string } {
  let parsed: unknown;
  try {
    parsed = type.includes("json") ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw badRequest(`the body is not valid ${type.includes("json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw badRequest("the body must be a manifest (a mapping with version: 1)");
  const wrapper = parsed as Record<string, unknown>;
  if ("version" in wrapper) return { value: parsed };
  if (typeof wrapper.inline_yaml === "string") {
    try {
      return { value: YAML.parse(wrapper.inline_yaml) };
    } catch (err) {
      throw badRequest(`inline_yaml is not valid YAML: ${(err as Error).message}`);
    }
  }
  if (typeof wrapper.manifest_url === "string") {
    if (!/^https?:\/\/\S+$/.test(wrapper.manifest_url)) throw badRequest("manifest_url must be an http(s) URL");
    return { url: wrapper.manifest_url };
  }
  throw badRequest("nothing to provision: give a manifest, inline_yaml or manifest_url");
}

/** What each route does, for the capability manifest's `discovery.endpoints`. */
const SUMMARIES: Readonly<Record<string, string>> = {
  "POST /capabilities/provision": "run a provisioning manifest (YAML or JSON, inline_yaml or manifest_url) as a job",
  "GET /capabilities/provision/:job": "a provisioning job's status",
};

/** The provisioner as a capability extension (`capability-extensions.ts`): its routes, served and listed. */
export const provisionCapability: CapabilityExtension = ({ settings }) =>
  provisionRoutes({ root: settings.instanceRoot }).map(({ method, pattern, handler }) => ({
    method,
    path: pattern,
    handler,
    summary: SUMMARIES[`${method} ${pattern}`] ?? "",
  }));

/** The routes of this module (tests give them their own job starter). */
export function provisionRoutes(deps: ProvisionRouteDeps): Route[] {
  const env = deps.env ?? process.env;
  const startJob =
    deps.startJob ??
    ((job: string, source: string) => {
      const child = spawn(process.execPath, [ENTRY.pathname, "provision", "--job", job, source], { env, stdio: "ignore", detached: true });
      child.unref();
    });
  // One POST at a time between "is one running?" and the job's start.
  let queue: Promise<unknown> = Promise.resolve();
  let starting: string | undefined;
  let startedAt = 0;
  // A started job writes its status at once; one that has not within this long died before it could.
  const STARTING_GRACE_MS = 30_000;

  return [
    {
      method: "POST",
      pattern: "/capabilities/provision",
      handler: async ({ req, res }) => {
        const body = manifestOfBody(await readBody(req), String(req.headers["content-type"] ?? ""));
        if ("value" in body) {
          const problems = checkProvisioningManifest(body.value);
          if (problems.length > 0) {
            sendJson(res, 400, { detail: `invalid manifest: ${problems.join("; ")}`, problems });
            return;
          }
        }
        const turn = queue.then(async () => {
          const current = await readProvisioningStatus(deps.root);
          const runningJob = current.status === "in_progress" ? (current.run?.job ?? "boot") : undefined;
          const pending = starting !== undefined && current.run?.job !== starting && Date.now() - startedAt < STARTING_GRACE_MS;
          if (runningJob !== undefined || pending) return { busy: runningJob ?? (starting as string) };
          const job = `job-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
          let source: string;
          if ("value" in body) {
            source = `${PROVISION_JOBS_DIR}/${job}.json`;
            const file = instancePath(source, deps.root);
            await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
            await fs.writeFile(file, JSON.stringify(body.value), { mode: 0o600 });
          } else source = body.url;
          starting = job;
          startedAt = Date.now();
          startJob(job, source);
          return { job };
        });
        queue = turn.catch(() => {});
        const started = await turn;
        if ("busy" in started) {
          sendJson(res, 409, { detail: `provisioning is already running (job ${started.busy})`, job_id: started.busy });
          return;
        }
        sendJson(res, 202, {
          status: "started",
          job_id: started.job,
          status_url: `/capabilities/provision/${started.job}`,
          detail: "provisioning started; GET the status_url for its progress",
          log_file: "/var/log/portal/provisioning.log",
        });
      },
    },
    {
      method: "GET",
      pattern: "/capabilities/provision/:job",
      handler: async ({ res, params }) => {
        const current = await readProvisioningStatus(deps.root);
        const run = current.run;
        if (run !== undefined && run.job === params.job) {
          sendJson(res, 200, { ...run, job_id: run.job, status: current.status });
          return;
        }
        if (starting === params.job) {
          sendJson(res, 200, { job_id: starting, status: "in_progress", state: "starting" });
          return;
        }
        throw notFound(`no provisioning job ${params.job ?? ""} (only the latest run is kept)`);
      },
    },
  ];
}
