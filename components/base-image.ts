/**
 * `BaseImage`: the instance base image, built from one Dockerfile per variant (CUDA and ROCm
 * bases) and pushed; its outputs are digest-pinned references, so a source change rolls the
 * template and the instances launched from it.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { imageBuild } from "./image-build.ts";
import { DockerImage } from "../providers/docker/index.ts";
import { hashSources } from "./source-hash.ts";

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
  /** Build secrets, id → file (e.g. `build_ca` for a TLS-intercepting proxy's CA). Never baked in. */
  readonly secretFiles?: Record<string, pulumi.Input<string>>;
  /** Registry credentials; the password should be a secret. */
  readonly registryAuth?: pulumi.Input<{ address: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> }>;
}

/** The kit's own folder, wherever it is installed (the repository, or node_modules/vast-kit). */
const kitRoot = resolve(import.meta.dirname, "..");

export class BaseImage extends pulumi.ComponentResource {
  /** Digest-pinned reference per built variant, e.g. `refs.cuda`. */
  readonly refs: Partial<Record<ImageVariant, pulumi.Output<string>>>;

  constructor(name: string, args: BaseImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vast-kit:image:BaseImage", name, {}, opts);
    if (!existsSync(resolve(kitRoot, "image/Dockerfile"))) {
      throw new pulumi.ResourceError(
        `BaseImage ${name}: the image sources are not here (${kitRoot}); build the image from a checkout of vast-kit and pass its digest-pinned ref to GpuFleet as \`image\``,
        this,
      );
    }
    const build = imageBuild(kitRoot);
    const sourceHash = hashSources(kitRoot, build.sources, build.ignore);
    this.refs = {};
    for (const variant of args.variants ?? [ImageVariant.cuda, ImageVariant.rocm]) {
      const image = new DockerImage(
        `${name}-${variant}`,
        {
          context: build.context,
          dockerfile: build.dockerfile,
          ref: pulumi.interpolate`${args.repository}:${variant}`,
          buildArgs: { ...args.buildArgs, BASE_IMAGE: args.baseImages?.[variant] ?? defaultBaseImages[variant] },
          ...(args.labels ? { labels: args.labels } : {}),
          ...(args.secretFiles ? { secretFiles: args.secretFiles } : {}),
          sourceHash,
          prepare: [...build.prepare],
          cacheFrom: [pulumi.interpolate`${args.repository}:${variant}`],
          ...(args.registryAuth ? { registryAuth: args.registryAuth } : {}),
        },
        { parent: this },
      );
      this.refs[variant] = image.imageRef;
    }
    this.registerOutputs({ refs: this.refs });
  }
}
