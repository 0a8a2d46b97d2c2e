/**
 * The manifest's phases, in the original provisioner's order (instance-runtime.md §1.3):
 * write_files, apt, git, pip, conda, downloads, services, write_files_late, post_commands.
 * Each phase declares its inputs (hashed by the runner, so an unchanged phase is skipped) and its
 * work; a phase with no inputs has nothing to do.
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../index.ts";
import type { ProvisioningManifest } from "../../../contracts/provisioning-manifest.ts";
import { runCommand, shellQuote } from "./command.ts";
import { retryPolicy, runDownloads } from "./downloads.ts";
import type { DownloadEntry } from "./downloads.ts";
import { firstFailure, inPool, withRetry } from "./retry.ts";
import { hostPath } from "./runtime.ts";
import type { ProvisionRuntime } from "./runtime.ts";
import { installServices } from "./services.ts";

/** What the phases run from: the expanded manifest and what was merged into it on the instance. */
export interface ProvisionPlan {
  readonly manifest: ProvisioningManifest;
  /** `downloads`, plus `env_merge` lists, injected `PROVISIONING_DOWNLOADS` and the chosen conditional downloads. */
  readonly downloads: readonly DownloadEntry[];
  /** Container path of the working directory. */
  readonly workspace: string;
}

/** How a phase's work ended when it did not throw: `undefined` is done; a string is a skip reason (the hash is not stored). */
export type PhaseWork = Promise<string | undefined | void>;

/** One phase. */
export interface Phase {
  /** Name in logs, status and the hash file `<name>.hash`. */
  readonly name: string;
  /** What the phase depends on (hashed), or `undefined` when there is nothing to do. */
  inputs(plan: ProvisionPlan): unknown;
  run(rt: ProvisionRuntime, plan: ProvisionPlan): PhaseWork;
}

const some = <T>(list: readonly T[]) => (list.length > 0 ? list : undefined);
const cwdOf = (rt: ProvisionRuntime, plan: ProvisionPlan) => hostPath(rt, plan.workspace);

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function writeFiles(rt: ProvisionRuntime, plan: ProvisionPlan, files: ProvisioningManifest["write_files"]): Promise<void> {
  for (const file of files) {
    const target = hostPath(rt, file.path);
    const mode = parseInt(file.permissions, 8);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, file.content, mode);
    await fs.chmod(target, mode);
    if (file.owner !== undefined) await runCommand(rt, `chown ${shellQuote(file.owner)} ${shellQuote(target)}`, { cwd: cwdOf(rt, plan) });
    rt.log.info(`wrote ${file.path} (${file.permissions})`);
  }
}

/** The first conda (mamba preferred) in /opt/miniforge3/bin, else on PATH; undefined when there is none. */
async function findConda(rt: ProvisionRuntime): Promise<string | undefined> {
  for (const name of ["mamba", "conda"]) {
    const file = hostPath(rt, `/opt/miniforge3/bin/${name}`);
    if (await exists(file)) return file;
  }
  for (const dir of (rt.env.PATH ?? "").split(":").filter(Boolean)) {
    for (const name of ["mamba", "conda"]) if (await exists(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Whether `uv` is on the run's PATH. */
async function hasUv(rt: ProvisionRuntime): Promise<boolean> {
  for (const dir of (rt.env.PATH ?? "").split(":").filter(Boolean)) if (await exists(path.join(dir, "uv"))) return true;
  return false;
}

/** The phases in order. */
export const PHASES: readonly Phase[] = [
  {
    name: "write_files",
    inputs: (plan) => some(plan.manifest.write_files),
    run: (rt, plan) => writeFiles(rt, plan, plan.manifest.write_files),
  },
  {
    name: "apt",
    inputs: (plan) => some(plan.manifest.apt_packages),
    async run(rt, plan) {
      const packages = plan.manifest.apt_packages.map(shellQuote).join(" ");
      await withRetry(rt, "apt-get install", retryPolicy(plan.manifest), () =>
        runCommand(rt, `apt-get update && apt-get install -y --no-install-recommends ${packages}`, {
          cwd: cwdOf(rt, plan),
          env: { DEBIAN_FRONTEND: "noninteractive" },
        }),
      );
    },
  },
  {
    name: "git",
    inputs: (plan) => some(plan.manifest.git_repos),
    async run(rt, plan) {
      const policy = retryPolicy(plan.manifest);
      const results = await inPool(4, plan.manifest.git_repos, async (repo) => {
        const dest = hostPath(rt, repo.dest);
        if (await exists(dest)) {
          if (!repo.pull_if_exists) {
            rt.log.info(`git ${repo.dest} exists: left as is (pull_if_exists is false)`);
          } else {
            await withRetry(rt, `git pull ${repo.dest}`, policy, () =>
              runCommand(rt, `git -C ${shellQuote(dest)} pull --ff-only`, { cwd: dest }),
            );
          }
        } else {
          await fs.mkdir(path.dirname(dest), { recursive: true });
          await withRetry(rt, `git clone ${repo.dest}`, policy, async () => {
            // A clone that failed halfway leaves a directory the next try cannot clone into.
            await fs.rm(dest, { recursive: true, force: true });
            await runCommand(rt, `git clone ${repo.recursive ? "--recursive " : ""}-- ${shellQuote(repo.url)} ${shellQuote(dest)}`, {
              cwd: path.dirname(dest),
            });
          });
          if (repo.ref !== undefined)
            await runCommand(rt, `git -C ${shellQuote(dest)} -c advice.detachedHead=false checkout -q ${shellQuote(repo.ref)}`, {
              cwd: dest,
            });
          rt.log.info(`cloned ${repo.dest}${repo.ref !== undefined ? ` at ${repo.ref}` : ""}`);
        }
        for (const command of repo.post_commands) await runCommand(rt, command, { cwd: dest });
      });
      const failure = firstFailure(results, "git repos");
      if (failure !== undefined) throw failure;
    },
  },
  {
    name: "pip",
    inputs: (plan) => some(plan.manifest.pip_packages.filter((b) => b.packages.length > 0 || b.requirements.length > 0)),
    async run(rt, plan) {
      const uv = await hasUv(rt);
      for (const block of plan.manifest.pip_packages) {
        if (block.packages.length === 0 && block.requirements.length === 0) continue;
        const system = block.venv === "system";
        const venv = block.venv ?? rt.settings.venv ?? plan.manifest.settings.venv;
        const python = system ? "python3" : shellQuote(hostPath(rt, `${venv}/bin/python`));
        const useUv = block.tool === "uv" && uv;
        if (block.tool === "uv" && !uv) rt.log.warn("uv is not installed: installing with pip");
        if (!system && !(await exists(hostPath(rt, `${venv}/bin/python`)))) {
          const target = shellQuote(hostPath(rt, venv));
          const create = useUv
            ? `uv venv${block.python !== undefined ? ` --python ${block.python}` : ""} ${target}`
            : `${block.python !== undefined ? `python${block.python}` : "python3"} -m venv ${target}`;
          rt.log.info(`creating venv ${venv}`);
          await runCommand(rt, create, { cwd: cwdOf(rt, plan) });
        }
        const words = [
          ...block.packages.map(shellQuote),
          ...block.requirements.flatMap((r) => ["-r", shellQuote(hostPath(rt, r))]),
          ...(block.args !== "" ? [block.args] : []),
        ].join(" ");
        const command = useUv
          ? `uv pip install --no-cache ${system ? "--system --break-system-packages" : `--python ${python}`} ${words}`
          : `${python} -m pip install --no-cache-dir ${system ? "--break-system-packages " : ""}${words}`;
        await withRetry(rt, `pip install into ${system ? "the system Python" : venv}`, retryPolicy(plan.manifest), () =>
          runCommand(rt, command, { cwd: cwdOf(rt, plan) }),
        );
        rt.log.info(`installed ${[...block.packages, ...block.requirements].join(", ")} into ${system ? "the system Python" : venv}`);
      }
    },
  },
  {
    name: "conda",
    inputs: (plan) => (plan.manifest.conda_packages.packages.length > 0 ? plan.manifest.conda_packages : undefined),
    async run(rt, plan) {
      const conda = await findConda(rt);
      if (conda === undefined) return "skipped: no conda (install Miniforge at /opt/miniforge3 to use conda_packages)";
      const c = plan.manifest.conda_packages;
      const env = c.env ?? rt.settings.condaEnv;
      const cwd = cwdOf(rt, plan);
      const bin = shellQuote(conda);
      if (env !== undefined && !(await exists(hostPath(rt, `${env}/conda-meta`)))) {
        await runCommand(rt, `${bin} create -y -p ${shellQuote(hostPath(rt, env))}${c.python !== undefined ? ` python=${c.python}` : ""}`, {
          cwd,
        });
      }
      const words = [
        ...(env !== undefined ? ["-p", shellQuote(hostPath(rt, env))] : []),
        ...c.channels.flatMap((ch) => ["-c", shellQuote(ch)]),
        ...c.packages.map(shellQuote),
        ...(c.args !== "" ? [c.args] : []),
      ].join(" ");
      await withRetry(rt, "conda install", retryPolicy(plan.manifest), () => runCommand(rt, `${bin} install -y ${words}`, { cwd }));
    },
  },
  {
    name: "downloads",
    inputs: (plan) => some(plan.downloads),
    run: (rt, plan) => runDownloads(rt, plan.manifest, plan.downloads),
  },
  {
    name: "services",
    inputs: (plan) => some(plan.manifest.services),
    run: (rt, plan) => installServices(rt, plan.manifest, plan.workspace),
  },
  {
    name: "write_files_late",
    inputs: (plan) => some(plan.manifest.write_files_late),
    run: (rt, plan) => writeFiles(rt, plan, plan.manifest.write_files_late),
  },
  {
    name: "post_commands",
    inputs: (plan) => some(plan.manifest.post_commands),
    async run(rt, plan) {
      // Every command runs even when an earlier one failed (the original's rule); the phase then fails.
      const results: PromiseSettledResult<void>[] = [];
      for (const command of plan.manifest.post_commands) {
        rt.log.info(`post command: ${command}`);
        results.push(
          await runCommand(rt, command, { cwd: cwdOf(rt, plan) }).then(
            () => ({ status: "fulfilled", value: undefined }) as const,
            (reason: unknown) => ({ status: "rejected", reason }) as const,
          ),
        );
      }
      const failure = firstFailure(results, "post commands");
      if (failure !== undefined) throw failure;
    },
  },
];
