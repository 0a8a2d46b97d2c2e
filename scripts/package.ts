/**
 * Builds the npm package team repositories install: compiled JavaScript with declarations for the
 * components, the providers and the shared contracts (no portal code), and a package.json whose
 * exports point at them (the repository's own
 * package.json points at the TypeScript sources, which Node runs directly outside node_modules).
 *   node scripts/package.ts        → build/vast-kit-<version>.tgz
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
const out = join(repo, "build/package");
rmSync(out, { recursive: true, force: true });
execFileSync(join(repo, "node_modules/.bin/tsc"), ["-p", join(repo, "tsconfig.build.json")], { stdio: "inherit" });

const source = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
const compiled = (path: string) => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
const runtimeDependencies = ["@pulumi/pulumi", "@pulumi/cloudflare", "undici", "zod"];
const manifest = {
  name: source.name,
  version: source.version,
  description: source.description,
  type: "module",
  engines: source.engines,
  exports: {
    "./package.json": "./package.json",
    "./components": compiled("components/index"),
    "./contracts/portal-config": compiled("contracts/portal-config"),
    "./contracts/provisioning-manifest": compiled("contracts/provisioning-manifest"),
    "./providers/vast": compiled("providers/vast/index"),
    // The serialized dynamic providers import this by package name when they run.
    "./providers/runtime": compiled("providers/runtime"),
  },
  dependencies: Object.fromEntries(runtimeDependencies.map((name) => [name, source.dependencies[name]])),
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
copyFileSync(join(repo, "README.md"), join(out, "README.md"));
const tarball = execFileSync("npm", ["pack", "--pack-destination", join(repo, "build"), "--silent"], { cwd: out, encoding: "utf8" }).trim();
console.log(join(repo, "build", tarball));
