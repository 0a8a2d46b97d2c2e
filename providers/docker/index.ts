/** The Docker dynamic resource: an image built on the local engine, pushed, pinned by digest. */
export { DockerImage, type DockerImageArgs } from "./docker-image.ts";
export { DockerImageError, DockerImageErrorCode } from "./errors.ts";
