/**
 * The Pulumi CLI as the recovery and sweep commands use it: one stack, chosen by `--stack` and an
 * optional `--config-file`, run from the repository (or `--cwd`). Output streams through, so a
 * user sees what Pulumi says.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

export interface StackOptions {
  stack: string | undefined;
  configFile: string | undefined;
  cwd: string;
  destroy: boolean;
  /** `--json`: print for machines (`npm run cost`). */
  json: boolean;
}

/** `--stack S --config-file F --cwd D --destroy --json`, as the recovery, sweep and cost commands take them. */
export function stackOptions(usage: string): StackOptions {
  try {
    const { values } = parseArgs({
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        cwd: { type: "string" },
        destroy: { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    return {
      stack: values.stack,
      configFile: values["config-file"],
      cwd: values.cwd ?? process.cwd(),
      destroy: values.destroy ?? false,
      json: values.json ?? false,
    };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pulumi <args>` for the stack; `echo` streams its output to ours as it comes. */
export function pulumi(options: StackOptions, args: string[], { echo = false, withConfig = false } = {}): Promise<Run> {
  const full = [
    ...args,
    "--non-interactive",
    "--cwd",
    options.cwd,
    ...(options.stack ? ["--stack", options.stack] : []),
    ...(withConfig && options.configFile ? ["--config-file", options.configFile] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", full, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (echo) process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The project name from Pulumi.yaml in `cwd`. */
export function projectName(cwd: string): string {
  return (parse(readFileSync(join(cwd, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}
