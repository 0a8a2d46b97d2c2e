/**
 * Every failure of a `DockerImage` is a {@link DockerImageError}. `code` is stable (tests and
 * callers branch on it); the message says which step failed for which image and what the docker
 * CLI or the registry said — never a registry password.
 */

/** Stable error codes of the Docker image provider. */
export const DockerImageErrorCode = {
  /** The `prepare` command (filling the build context) failed. */
  prepare: "DOCKER_PREPARE_FAILED",
  /** `docker login` to the registry failed. */
  login: "DOCKER_LOGIN_FAILED",
  /** `docker build` failed. */
  build: "DOCKER_BUILD_FAILED",
  /** `docker push` failed. */
  push: "DOCKER_PUSH_FAILED",
  /** The push went through, but docker did not report the pushed manifest's digest. */
  digestUnknown: "DOCKER_DIGEST_UNKNOWN",
  /** The registry's HTTP API could not be reached or answered an error other than 404. */
  registry: "DOCKER_REGISTRY_ERROR",
} as const;
export type DockerImageErrorCode = (typeof DockerImageErrorCode)[keyof typeof DockerImageErrorCode];

export interface DockerImageErrorDetails {
  /** The image, `registry/repository:tag`. */
  ref?: string;
  /** The registry's HTTP status, for {@link DockerImageErrorCode.registry}. */
  status?: number;
  cause?: unknown;
}

export class DockerImageError extends Error {
  override name = "DockerImageError";
  readonly code: DockerImageErrorCode;
  readonly ref: string | undefined;
  readonly status: number | undefined;

  constructor(code: DockerImageErrorCode, message: string, { ref, status, cause }: DockerImageErrorDetails = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.ref = ref;
    this.status = status;
  }
}
