/**
 * `ServerlessEndpoint`: a Vast serverless endpoint as one component. It publishes a template of
 * the image with its serverless mode on (`SERVERLESS=true`: the portal, Caddy, the tunnel,
 * Jupyter, TensorBoard and Syncthing stay down, cron and provisioning run, the PyWorker boots:
 * instance-runtime.md §8.9), creates the endpoint with its scaling policy, and binds a workergroup
 * to both, so Vast's autoscaler rents workers of that image from the offers the filter allows.
 */
import * as pulumi from "@pulumi/pulumi";
import { EndpointInputs } from "../providers/vast/endpoint-provider.ts";
import { VastEndpoint, VastTemplate, VastWorkerGroup, type OfferFilter, type VastEndpointArgs } from "../providers/vast/index.ts";
import { searchParamsProblems } from "../providers/vast/search-params.ts";

/** Arguments of {@link ServerlessEndpoint}. */
export interface ServerlessEndpointArgs {
  /** Image every worker runs, ideally digest-pinned (`BaseImage.refs.cuda`). */
  readonly image: pulumi.Input<string>;
  /** The endpoint's routing name: letters, digits, `_` and `-`. Defaults to the component's name. */
  readonly endpointName?: pulumi.Input<string>;
  /** Template name. Defaults to `<project>-<stack>-<name>`. */
  readonly templateName?: pulumi.Input<string>;
  /** Extra template env (visible to anyone who can see the template: no secrets); `SERVERLESS` is the component's. Defaults to none. */
  readonly env?: Record<string, pulumi.Input<string>>;
  /** Ports the workers open, e.g. the PyWorker's. Defaults to none. */
  readonly ports?: pulumi.Input<pulumi.Input<string>[]>;
  /** Script run after Vast's start-up on every worker. Defaults to none. */
  readonly onstart?: pulumi.Input<string>;
  /** Recommended disk per worker in GB. Defaults to 32. */
  readonly diskGb?: pulumi.Input<number>;
  /** The endpoint's scaling policy (`VastEndpoint` arguments but the name). Defaults to `VastEndpoint`'s defaults. */
  readonly scaling?: Omit<VastEndpointArgs, "name">;
  /** Offers workers may be rented from, in the `/bundles/` shape (RAM in MB). Defaults to any verified, rentable offer. */
  readonly searchFilter?: pulumi.Input<OfferFilter>;
  /** `vastai create instance` flags for every worker. Defaults to none. */
  readonly launchArgs?: pulumi.Input<string>;
  /** GPU RAM the model needs, in GB (the autoscaler's estimate). Defaults to 24. */
  readonly gpuRamGb?: pulumi.Input<number>;
}

/** The template env that turns the image's serverless mode on (instance-runtime.md §8.9). */
export const serverlessEnv = { SERVERLESS: "true" } as const;

/** Whether a value holds no Output or Promise, so it can be checked now rather than at create time. */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (value && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

/** Checks what is known now, so a bad value names its argument before the template is published. */
function checkArgs(label: string, name: string, args: ServerlessEndpointArgs): string[] {
  const problems: string[] = [];
  if (args.env && "SERVERLESS" in args.env)
    problems.push(`${label}: env.SERVERLESS is set by the component (serverless mode on); leave it out`);
  const endpoint = { name: args.endpointName ?? name, ...args.scaling };
  if (isPlain(endpoint)) {
    const parsed = EndpointInputs.safeParse(endpoint);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.join(".");
        problems.push(`${label}: ${path === "name" ? "endpointName" : `scaling.${path}`}: ${issue.message}`);
      }
    }
  }
  if (args.searchFilter && isPlain(args.searchFilter)) {
    for (const [path, reason] of searchParamsProblems(args.searchFilter as OfferFilter))
      problems.push(`${label}: searchFilter.${path}: ${reason}`);
  }
  return problems;
}

/**
 * A serverless endpoint of the image: its template (serverless mode on), the endpoint and one
 * workergroup. Arguments known at construction are checked there, so a bad name, scaling value or
 * filter fails before anything is created, naming the argument.
 *
 * @example
 * const llm = new ServerlessEndpoint("llm", {
 *   image: base.refs.cuda!,
 *   scaling: { coldWorkers: 1, maxWorkers: 4 },
 *   searchFilter: { gpu_name: { eq: "RTX 4090" } },
 * });
 * export const endpointId = llm.endpointId;
 */
export class ServerlessEndpoint extends pulumi.ComponentResource {
  /** The published template (serverless mode on). */
  readonly template: VastTemplate;
  /** The endpoint with its scaling policy. */
  readonly endpoint: VastEndpoint;
  /** The workergroup binding template, offers and endpoint. */
  readonly workerGroup: VastWorkerGroup;
  /** The endpoint's Vast id. */
  readonly endpointId: pulumi.Output<number>;
  /** The endpoint's own key, which clients route requests with; a secret. */
  readonly endpointApiKey: pulumi.Output<string | null>;
  /** The template hash workers launch from. */
  readonly templateHashId: pulumi.Output<string>;
  /** The workergroup's Vast id. */
  readonly workerGroupId: pulumi.Output<number>;

  constructor(name: string, args: ServerlessEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vast-kit:serverless:ServerlessEndpoint", name, {}, opts);
    const problems = checkArgs(`ServerlessEndpoint ${name}`, name, args);
    if (problems.length) throw new pulumi.ResourceError(problems.join("\n"), this);

    this.template = new VastTemplate(
      name,
      {
        name: args.templateName ?? `${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
        image: args.image,
        env: { ...args.env, ...serverlessEnv },
        ...(args.ports ? { ports: args.ports } : {}),
        ...(args.onstart ? { onstart: args.onstart } : {}),
        runtype: "ssh",
        sshDirect: true,
        diskGb: args.diskGb ?? 32,
      },
      { parent: this },
    );
    this.endpoint = new VastEndpoint(name, { ...args.scaling, name: args.endpointName ?? name }, { parent: this });
    this.workerGroup = new VastWorkerGroup(
      `${name}-workers`,
      {
        endpointId: this.endpoint.endpointId,
        templateHash: this.template.hashId,
        ...(args.searchFilter ? { searchFilter: args.searchFilter } : {}),
        ...(args.launchArgs ? { launchArgs: args.launchArgs } : {}),
        ...(args.gpuRamGb !== undefined ? { gpuRamGb: args.gpuRamGb } : {}),
      },
      { parent: this },
    );
    this.endpointId = this.endpoint.endpointId;
    this.endpointApiKey = pulumi.secret(this.endpoint.apiKey);
    this.templateHashId = this.template.hashId;
    this.workerGroupId = this.workerGroup.workerGroupId;
    this.registerOutputs({
      endpointId: this.endpointId,
      endpointApiKey: this.endpointApiKey,
      templateHashId: this.templateHashId,
      workerGroupId: this.workerGroupId,
    });
  }
}
