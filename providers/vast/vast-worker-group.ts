/** `VastWorkerGroup`: what a serverless endpoint's autoscaler rents: a template, an offer filter and launch arguments. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";
import type { OfferFilter } from "./offer-query.ts";

/** Arguments of {@link VastWorkerGroup} (vast-api-more.md §3.4). */
export interface VastWorkerGroupArgs {
  /** The endpoint whose workers these are (`VastEndpoint.endpointId`); another endpoint replaces the workergroup. */
  readonly endpointId: pulumi.Input<number>;
  /** The template workers launch from (`VastTemplate.hashId`); a change rolls the workers onto the new template in place. */
  readonly templateHash: pulumi.Input<string>;
  /**
   * Offers to rent workers from, in the `/bundles/` shape used across the kit (RAM in MB), e.g.
   * `{gpu_name: {eq: "RTX 4090"}, num_gpus: {eq: 1}}`; verified, rentable and not rented unless it
   * says otherwise. Sent in the CLI's query language, so a string value holds no underscore,
   * comma, bracket or quote. Defaults to every such offer.
   */
  readonly searchFilter?: pulumi.Input<OfferFilter>;
  /** `vastai create instance` flags for every worker, e.g. `--disk 64 --env '-e MODEL=x'`. Defaults to none. */
  readonly launchArgs?: pulumi.Input<string>;
  /** GPU RAM the model needs, in GB: the autoscaler's estimate, not a filter. Defaults to 24. */
  readonly gpuRamGb?: pulumi.Input<number>;
}

/**
 * A serverless workergroup. Vast's autoscaler rents its workers as ordinary instances on the
 * account to meet the endpoint's targets; destroying the workergroup destroys them (any the
 * delete leaves running are destroyed by the provider). Template, filter, launch arguments and
 * GPU RAM change in place; `pulumi refresh` reads them back.
 *
 * @example
 * const workers = new VastWorkerGroup("llm-workers", {
 *   endpointId: endpoint.endpointId,
 *   templateHash: template.hashId,
 *   searchFilter: { gpu_name: { eq: "RTX 4090" } },
 * });
 */
export class VastWorkerGroup extends pulumi.dynamic.Resource {
  /** The workergroup's Vast id (`vastai show workergroups`). */
  declare readonly workerGroupId: pulumi.Output<number>;
  /** The filter as Vast holds it, in the CLI's query language. */
  declare readonly searchParams: pulumi.Output<string>;
  /** The template workers launch from, as of the last create, update or refresh. */
  declare readonly templateHash: pulumi.Output<string>;

  constructor(name: string, args: VastWorkerGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("workerGroup"),
      name,
      { workerGroupId: undefined, searchParams: undefined, ...args },
      opts,
      "vast",
      "WorkerGroup",
    );
  }
}
