/**
 * What a `DockerImage` does: build an image with the local Docker engine (BuildKit), push it, and
 * report the digest-pinned reference; on refresh, ask the registry whether the tag still holds
 * that digest. This stands in for @pulumi/docker-build, whose plugin cannot be built from the Go
 * modules this machine can reach (see README, "Known limits"); it shells out to the docker CLI the
 * way that plugin's `exec: true` mode does.
 */
import { execFile, type ExecFileOptions } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkInputs, type KindImplementation } from "../dynamic/index.ts";
import { DockerImageError, DockerImageErrorCode } from "./errors.ts";
import { tagDigest } from "./registry.ts";

const run = promisify(execFile);

export const ImageInputs = z.strictObject({
  /** Build context, relative to the project directory (where Pulumi runs). */
  context: z.string().min(1),
  /** Dockerfile, relative to the project directory. */
  dockerfile: z.string().min(1),
  /** Where to push, `registry/repository:tag`. */
  ref: z.string().regex(/^[^\s@]+:[\w][\w.-]{0,127}$/, "must be registry/repository:tag"),
  buildArgs: z.record(z.string(), z.string()).default({}),
  /** Image labels (`docker build --label`), e.g. `org.opencontainers.image.revision`. */
  labels: z.record(z.string(), z.string()).default({}),
  /** Build secrets: id → file path (e.g. a CA bundle); never baked into the image. */
  secretFiles: z.record(z.string(), z.string()).default({}),
  /** Hash of everything the build reads; a change rebuilds. Computed by the caller. */
  sourceHash: z.string().min(1),
  /** Command run in the project directory before the build (e.g. bundling sources into the context). */
  prepare: z.array(z.string()).optional(),
  /** Images whose inline BuildKit cache seeds this build. */
  cacheFrom: z.array(z.string()).default([]),
  registryAuth: z.strictObject({ address: z.string().min(1), username: z.string().min(1), password: z.string().min(1) }).optional(),
  /** The docker CLI to run. Defaults to Debian's `/usr/bin/docker` when present, else `docker`. */
  dockerCli: z.string().optional(),
});
export type ImageInputs = z.infer<typeof ImageInputs>;

export interface ImageOutputs extends ImageInputs {
  /** `sha256:…` of the pushed manifest. */
  digest: string;
  /** `registry/repository@sha256:…`: what templates should launch. */
  imageRef: string;
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkInputs(ImageInputs, news);
}

export async function diff(_id: string, olds: ImageOutputs, news: ImageInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = (Object.keys(ImageInputs.shape) as Array<keyof ImageInputs>).some(
    (k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
  );
  return { changes: changed };
}

export async function create(_settings: unknown, inputs: ImageInputs): Promise<pulumi.dynamic.CreateResult> {
  const pushed = await buildAndPush(inputs);
  return { id: inputs.ref, outs: { ...inputs, ...pushed } };
}

export async function update(
  _settings: unknown,
  _id: string,
  _olds: ImageOutputs,
  news: ImageInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: { ...news, ...(await buildAndPush(news)) } };
}

/**
 * Asks the registry what the tag holds now. When the tag is gone, or was pushed over with another
 * image, the image this resource pushed is no longer what the tag names: it reads as deleted
 * (empty id), so the next `pulumi up` builds and pushes it again. A registry that cannot be asked
 * fails the refresh with {@link DockerImageErrorCode.registry} rather than guessing.
 */
export async function read(_settings: unknown, id: string, props: ImageOutputs): Promise<pulumi.dynamic.ReadResult> {
  const digest = await tagDigest(props.ref, props.registryAuth);
  return digest === props.digest ? { id, props } : { id: "" };
}

/**
 * Deleting the resource leaves the pushed tag and manifest in the registry on purpose (as with
 * docker-build's retainOnDelete): instances and templates launched from the digest-pinned ref may
 * still pull it, and a registry does not bill per image.
 */
export async function remove(): Promise<void> {}

async function buildAndPush(inputs: ImageInputs): Promise<{ digest: string; imageRef: string }> {
  const docker = inputs.dockerCli ?? "/usr/bin/docker";
  const config = await mkdtemp(join(tmpdir(), "vast-kit-docker-"));
  const options: ExecFileOptions = { env: { ...process.env, DOCKER_BUILDKIT: "1", DOCKER_CONFIG: config }, maxBuffer: 256 << 20 };
  const password = inputs.registryAuth?.password;
  const step = async (code: DockerImageErrorCode, what: string, file: string, args: string[], input?: string) => {
    try {
      const child = run(file, args, options);
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      return (await child).stdout.toString();
    } catch (error) {
      const e = error as { stderr?: string | Buffer; message: string };
      let detail = (e.stderr?.toString() || e.message).trim().split("\n").slice(-15).join("\n");
      // docker does not echo the password, but a message must never carry it whatever the CLI prints.
      if (password) detail = detail.replaceAll(password, "***");
      throw new DockerImageError(code, `image ${inputs.ref}: ${what} failed:\n${detail}`, { ref: inputs.ref });
    }
  };
  try {
    if (inputs.prepare?.length)
      await step(DockerImageErrorCode.prepare, "preparing the build context", inputs.prepare[0]!, inputs.prepare.slice(1));
    if (inputs.registryAuth) {
      // The password goes through stdin into a throwaway DOCKER_CONFIG, never onto a command line.
      await step(
        DockerImageErrorCode.login,
        `login to ${inputs.registryAuth.address}`,
        docker,
        ["login", "--username", inputs.registryAuth.username, "--password-stdin", inputs.registryAuth.address],
        inputs.registryAuth.password,
      );
    }
    const args = [
      "build",
      "--progress=plain",
      "-f",
      resolve(inputs.dockerfile),
      "-t",
      inputs.ref,
      "--build-arg",
      "BUILDKIT_INLINE_CACHE=1",
    ];
    for (const [key, value] of Object.entries(inputs.buildArgs)) args.push("--build-arg", `${key}=${value}`);
    for (const [key, value] of Object.entries(inputs.labels)) args.push("--label", `${key}=${value}`);
    for (const [id, path] of Object.entries(inputs.secretFiles)) args.push("--secret", `id=${id},src=${resolve(path)}`);
    for (const from of inputs.cacheFrom) args.push("--cache-from", from);
    await step(DockerImageErrorCode.build, "docker build", docker, [...args, resolve(inputs.context)]);
    await step(DockerImageErrorCode.push, "docker push", docker, ["push", inputs.ref]);
    const repoDigests = JSON.parse(
      await step(DockerImageErrorCode.digestUnknown, "reading the pushed digest", docker, [
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        inputs.ref,
      ]),
    ) as string[];
    const repository = inputs.ref.slice(0, inputs.ref.lastIndexOf(":"));
    const imageRef = repoDigests.find((d) => d.startsWith(`${repository}@`));
    if (!imageRef)
      throw new DockerImageError(
        DockerImageErrorCode.digestUnknown,
        `image ${inputs.ref}: pushed, but docker reports no digest for ${repository}`,
        { ref: inputs.ref },
      );
    return { digest: imageRef.slice(imageRef.indexOf("@") + 1), imageRef };
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}

/** Builds run on the local engine: no stack config is needed. */
export const imageKind: KindImplementation<ImageInputs, ImageOutputs, object> = { config: {}, check, diff, create, update, read, remove };
