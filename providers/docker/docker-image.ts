/** `DockerImage`: an image built with the local Docker engine and pushed, pinned by digest. */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../dynamic/index.ts";

/** Arguments of {@link DockerImage}; paths are relative to the Pulumi project directory. */
export interface DockerImageArgs {
  readonly context: pulumi.Input<string>;
  readonly dockerfile: pulumi.Input<string>;
  /** Where to push, `registry/repository:tag`. */
  readonly ref: pulumi.Input<string>;
  readonly buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Image labels. */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Build secrets: id → file path. */
  readonly secretFiles?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Hash of the build's inputs; a change rebuilds and pushes. */
  readonly sourceHash: pulumi.Input<string>;
  /** Command run in the project directory before each build. */
  readonly prepare?: pulumi.Input<pulumi.Input<string>[]>;
  readonly cacheFrom?: pulumi.Input<pulumi.Input<string>[]>;
  /** Registry credentials; pass the password as a secret. */
  readonly registryAuth?: pulumi.Input<{ address: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> }>;
  readonly dockerCli?: pulumi.Input<string>;
}

/**
 * An image built with the local Docker engine (BuildKit) and pushed to `ref`, pinned by digest.
 *
 * - **Refresh** asks the registry (`GET /v2/<name>/manifests/<tag>`, with `registryAuth` when it
 *   names that registry; loopback registries over HTTP, any other over HTTPS) what the tag holds.
 *   A tag deleted or pushed over outside Pulumi reads as gone, so the next `pulumi up` builds and
 *   pushes the image again. An unreachable registry fails the refresh (`DOCKER_REGISTRY_ERROR`).
 * - **Delete** keeps the tag and manifest in the registry (as docker-build's retainOnDelete does):
 *   instances launched from the digest-pinned ref may still pull it.
 * - Failures are `DockerImageError`s with a stable `code` (`DOCKER_BUILD_FAILED`, `DOCKER_PUSH_FAILED`, …)
 *   and never carry the registry password.
 */
export class DockerImage extends pulumi.dynamic.Resource {
  /** `sha256:…` of the pushed manifest. */
  declare readonly digest: pulumi.Output<string>;
  /** `registry/repository@sha256:…`. */
  declare readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: DockerImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("dockerImage"),
      name,
      { digest: undefined, imageRef: undefined, ...args },
      { ...opts, additionalSecretOutputs: ["registryAuth", ...(opts?.additionalSecretOutputs ?? [])] },
      "docker",
      "Image",
    );
  }
}
