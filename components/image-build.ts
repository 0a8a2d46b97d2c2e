/**
 * The base image's build as `BaseImage` sees it: what `docker build` needs to build it from a
 * checkout of the kit (everything it runs lives in `image/build/`), and which sources decide that
 * it must be rebuilt. `image/build/build-image.sh` is the same build from a shell, for CI and by
 * hand. Kept here, not under `image/`, so the published package holds components and providers only.
 */
import { relative, resolve } from "node:path";

/** How to build the base image, with paths relative to the project directory (see {@link imageBuild}). */
export interface ImageBuild {
  /** The build context, `image/`; complete once `prepare` has run. */
  readonly context: string;
  readonly dockerfile: string;
  /**
   * Command to run before each build: fills `image/.build/` with the bundled portal, its static
   * files and the pinned Node runtime (build-context.sh).
   */
  readonly prepare: readonly string[];
  /** Folders and files, relative to the kit, that the build reads: a change to any of them changes the image. */
  readonly sources: readonly string[];
  /** Names skipped under `sources`: installed or generated. */
  readonly ignore: readonly string[];
}

/**
 * The build of the kit at `kitRoot`. Paths are relative to `projectDir` (where Pulumi runs), so
 * state does not depend on where a clone lives.
 */
export function imageBuild(kitRoot: string, projectDir: string = process.cwd()): ImageBuild {
  const fromProject = (path: string) => relative(projectDir, resolve(kitRoot, path)) || ".";
  return {
    context: fromProject("image"),
    dockerfile: fromProject("image/Dockerfile"),
    prepare: ["bash", fromProject("image/build/build-context.sh")],
    sources: ["image", "portal", "package-lock.json"],
    ignore: ["node_modules", ".git", ".build"],
  };
}
