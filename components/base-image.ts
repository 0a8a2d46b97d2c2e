/**
 * `BaseImage`: the instance base image, built from one Dockerfile per variant (CUDA and ROCm
 * bases) with @pulumi/docker-build and pushed; its outputs are digest-pinned references, so a
 * change of what the image is built from rolls the template and the instances launched from it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { promisify } from "node:util";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";

const run = promisify(execFile);

/** An image variant and the base it builds on. */
export const ImageVariant = { cuda: "cuda", rocm: "rocm" } as const;
export type ImageVariant = (typeof ImageVariant)[keyof typeof ImageVariant];

/** Default upstream bases (image/Dockerfile documents both). */
export const defaultBaseImages: Record<ImageVariant, string> = {
  cuda: "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",
  rocm: "rocm/dev-ubuntu-22.04:6.2.4-complete",
};

/** Arguments of {@link BaseImage}. */
export interface BaseImageArgs {
  /** Repository to push to, without tag, e.g. `ghcr.io/acme/vast-base` or `127.0.0.1:5000/vast-kit/base`. */
  readonly repository: pulumi.Input<string>;
  /** Variants to build. Defaults to both. */
  readonly variants?: readonly ImageVariant[];
  /** Base image per variant. Defaults to {@link defaultBaseImages}. */
  readonly baseImages?: Partial<Record<ImageVariant, pulumi.Input<string>>>;
  /** Extra Dockerfile build arguments (component switches, pinned versions). Defaults to none. */
  readonly buildArgs?: Record<string, pulumi.Input<string>>;
  /** Image labels, e.g. `{"org.opencontainers.image.revision": "<git sha>"}`; a change rebuilds. */
  readonly labels?: Record<string, pulumi.Input<string>>;
  /** Build secrets, id → file (e.g. `build_ca` for a TLS-intercepting proxy's CA). Never baked in; the contents reach the state only as secrets. */
  readonly secretFiles?: Record<string, pulumi.Input<string>>;
  /** Registry credentials; kept in the state as a secret. */
  readonly registryAuth?: pulumi.Input<{ address: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> }>;
}

/** The kit's own folder, wherever it is installed (the repository, or node_modules/vast-kit). */
const kitRoot = resolve(import.meta.dirname, "..");

export class BaseImage extends pulumi.ComponentResource {
  /** Digest-pinned reference per built variant, `<repository>@sha256:…`, e.g. `refs.cuda`. */
  readonly refs: Partial<Record<ImageVariant, pulumi.Output<string>>>;

  constructor(name: string, args: BaseImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vast-kit:image:BaseImage", name, {}, opts);
    if (!existsSync(resolve(kitRoot, "image/Dockerfile"))) {
      throw new pulumi.ResourceError(`BaseImage ${name}: the image sources are not here (${kitRoot}); build the image from a checkout of vast-kit and pass its digest-pinned ref to GpuFleet as \`image\``, this);
    }
    // Paths are relative to the project directory, so state does not depend on where a clone lives.
    const fromProject = (path: string) => relative(process.cwd(), resolve(kitRoot, path)) || ".";
    // docker-build hashes the context when it diffs, previews included, so the generated part
    // (the bundled portal, the pinned Node) must be in place before the images register: the
    // images then rebuild exactly when what they are built from changes.
    const context = prepareBuildContext(this).then(() => fromProject("image"));
    const secrets = Object.fromEntries(Object.entries(args.secretFiles ?? {}).map(([id, file]) => [id, pulumi.secret(pulumi.output(file).apply((path) => readFile(path, "utf8")))]));
    const registries = args.registryAuth ? [pulumi.secret(args.registryAuth)] : [];
    this.refs = {};
    for (const variant of args.variants ?? [ImageVariant.cuda, ImageVariant.rocm]) {
      const tag = pulumi.interpolate`${args.repository}:${variant}`;
      const image = new dockerBuild.Image(`${name}-${variant}`, {
        tags: [tag],
        push: true,
        context: { location: context },
        dockerfile: { location: fromProject("image/Dockerfile") },
        buildArgs: { ...args.buildArgs, BASE_IMAGE: args.baseImages?.[variant] ?? defaultBaseImages[variant] },
        labels: args.labels ?? {},
        secrets,
        registries,
        // The inline cache travels with the pushed image, so the last push seeds the next build.
        cacheFrom: [{ registry: { ref: tag } }],
        cacheTo: [{ inline: {} }],
        // Build on the local Docker engine's own BuildKit, as `docker build` does: base images in
        // its image store resolve, and no builder container has to be pulled. docker-build's
        // embedded buildx lacks that (docker) driver, so it runs the docker-buildx CLI instead
        // (toolchain/docker-build-plugin.sh builds the one it pins).
        exec: true,
        builder: { name: "default" },
        // A preview diffs the context hash and never spends a build on it.
        buildOnPreview: false,
      }, {
        parent: this,
        // Pushed tags stay on destroy: other stacks may launch this ref, and registries do not bill per tag.
        retainOnDelete: true,
      });
      this.refs[variant] = pulumi.interpolate`${args.repository}@${image.digest}`;
    }
    this.registerOutputs({ refs: this.refs });
  }
}

/** Runs scripts/docker/build-context.sh, which fills image/.build/ (and leaves unchanged files untouched). */
async function prepareBuildContext(parent: pulumi.Resource): Promise<void> {
  try {
    await run("bash", [resolve(kitRoot, "scripts/docker/build-context.sh")], { maxBuffer: 16 << 20 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const detail = (e.stderr?.trim() || e.message).split("\n").slice(-15).join("\n");
    throw new pulumi.ResourceError(`preparing the image build context (scripts/docker/build-context.sh) failed:\n${detail}`, parent);
  }
}
