/** `VastEndpoint`: a Vast serverless endpoint with its autoscaling parameters, all changed in place. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link VastEndpoint} (vast-api-more.md §3.2). */
export interface VastEndpointArgs {
  /** The routing name: letters, digits, `_` and `-`, at most 255. A rename moves the routing name in place. */
  readonly name: pulumi.Input<string>;
  /** Floor on active capacity, in load units per second (tokens/s for LLMs). Defaults to 0. */
  readonly minLoad?: pulumi.Input<number>;
  /** Total-capacity target that cold workers may serve. Defaults to 0. */
  readonly minColdLoad?: pulumi.Input<number>;
  /** Target utilisation of active capacity, above 0 and at most 1. Defaults to 0.9. */
  readonly targetUtil?: pulumi.Input<number>;
  /** Cold capacity as a multiple of hot. Defaults to 2.5. */
  readonly coldMult?: pulumi.Input<number>;
  /** Workers kept cold with no load (the console's "Minimum Workers"); at most `maxWorkers`. Defaults to 5. */
  readonly coldWorkers?: pulumi.Input<number>;
  /** Most workers the endpoint may have. Defaults to 20. */
  readonly maxWorkers?: pulumi.Input<number>;
  /** Longest a request may queue on a worker, in seconds. Defaults to Vast's (30). Clearing it once set replaces the endpoint. */
  readonly maxQueueTime?: pulumi.Input<number>;
  /** Time in which the queue should clear, in seconds. Defaults to Vast's (10). Clearing it once set replaces the endpoint. */
  readonly targetQueueTime?: pulumi.Input<number>;
  /** Seconds without traffic before scaling to zero active workers. Defaults to Vast's. Clearing it once set replaces the endpoint. */
  readonly inactivityTimeout?: pulumi.Input<number>;
  /** `active`, `suspended` (no scaling) or `stopped`. Defaults to `active`. */
  readonly state?: pulumi.Input<"active" | "suspended" | "stopped">;
}

/**
 * A serverless endpoint: the scaling policy that Vast's autoscaler applies to the workers of the
 * endpoint's {@link VastWorkerGroup}s. Destroying it deletes its workergroups first and leaves no
 * worker instance running. `pulumi refresh` reads every parameter back, so a change made with
 * `vastai update endpoint` shows in the next `up`, which sets it back.
 *
 * @example
 * const endpoint = new VastEndpoint("llm", { name: "llm", coldWorkers: 1, maxWorkers: 4 });
 */
export class VastEndpoint extends pulumi.dynamic.Resource {
  /** The endpoint's Vast id (`vastai show endpoints`). */
  declare readonly endpointId: pulumi.Output<number>;
  /** The endpoint's own key, which clients route requests with; a secret. */
  declare readonly apiKey: pulumi.Output<string | null>;
  /** The routing name. */
  declare readonly name: pulumi.Output<string>;
  /** Workers kept cold, as of the last create, update or refresh. */
  declare readonly coldWorkers: pulumi.Output<number>;
  /** Most workers, as of the last create, update or refresh. */
  declare readonly maxWorkers: pulumi.Output<number>;
  /** `active`, `suspended` or `stopped`, as of the last create, update or refresh. */
  declare readonly state: pulumi.Output<string>;

  constructor(name: string, args: VastEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("endpoint"),
      name,
      { endpointId: undefined, apiKey: undefined, ...args },
      { ...opts, additionalSecretOutputs: ["apiKey", ...(opts?.additionalSecretOutputs ?? [])] },
      "vast",
      "Endpoint",
    );
  }
}
