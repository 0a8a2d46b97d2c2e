/**
 * The boot step `provisioning` (portal/entrypoint/steps/provisioning.ts) with a manifest and a
 * PROVISIONING_SCRIPT together, over two boots of one temp instance root.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import YAML from "yaml";
import { runBoot } from "../../../../portal/entrypoint/boot.ts";
import { provisioningStep } from "../../../../portal/entrypoint/steps/provisioning.ts";
import { makeInstanceRoot, readIfExists, serveScripts } from "../_helpers.ts";

/** Boot `root` with the provisioning step alone; resolves with this boot's log lines. */
async function bootOnce(root: string, env: Record<string, string>): Promise<string> {
  const log = path.join(root, "var/log/portal/boot.log");
  const before = (await readIfExists(log))?.length ?? 0;
  // Without supervisord the boot returns 1 once its steps are done: that is all this test needs.
  await runBoot({ handleSignals: false, steps: [provisioningStep], env: { PATH: process.env.PATH, INSTANCE_ROOT: root, ...env } });
  return ((await readIfExists(log)) ?? "").slice(before);
}

test("the boot runs the manifest, then PROVISIONING_SCRIPT once; the next boot skips the unchanged phases and not the changed one", async (t) => {
  const server = await serveScripts({ "/p.sh": [200, 'echo script >> "$INSTANCE_ROOT/order.log"\n'] });
  t.after(() => server.close());
  const root = await makeInstanceRoot();
  const manifest = (post: string) =>
    YAML.stringify({
      version: 1,
      write_files: [{ path: "/etc/app.conf", content: "x=1\n" }],
      post_commands: [`echo ${post} >> "$INSTANCE_ROOT/order.log"`],
    });
  const env = { PROVISIONING_SCRIPT: `${server.url}/p.sh`, PROVISIONING_MANIFEST: manifest("manifest") };

  const first = await bootOnce(root, env);
  assert.equal(await readIfExists(path.join(root, "order.log")), "manifest\nscript\n", "manifest first, then the script");
  assert.match(first, /provisioning: phase write_files: done in/);
  assert.equal(await readIfExists(path.join(root, "etc/app.conf")), "x=1\n");
  assert.notEqual(await readIfExists(path.join(root, ".provisioning_complete")), undefined);

  const second = await bootOnce(root, { ...env, PROVISIONING_MANIFEST: manifest("changed") });
  assert.match(second, /provisioning: phase write_files: skipped \(unchanged since it last succeeded\)/);
  assert.match(second, /provisioning: phase post_commands: done in/);
  assert.match(second, /provisioning already complete \(\/\.provisioning_complete\); not running PROVISIONING_SCRIPT again/);
  assert.equal(await readIfExists(path.join(root, "order.log")), "manifest\nscript\nchanged\n");
  assert.equal(server.hits.length, 1, "the script was fetched once");
});

test("a manifest that fails marks provisioning failed and records the step, with the phase named", async () => {
  const root = await makeInstanceRoot();
  const log = await bootOnce(root, {
    PROVISIONING_MANIFEST: YAML.stringify({ version: 1, on_failure: { max_retries: 0 }, post_commands: ["exit 7"] }),
  });
  assert.match(
    log,
    /step provisioning: failed after .*: provisioning manifest failed: post_commands: 1 of 1 post commands failed: command exited with status 7/,
  );
  assert.match((await readIfExists(path.join(root, ".provisioning_failed"))) ?? "", /post_commands/);
  assert.match((await readIfExists(path.join(root, "var/log/vast_boot_failures"))) ?? "", /provisioning ENTRYPOINT_PROVISIONING_FAILED/);
  assert.equal(await readIfExists(path.join(root, ".provisioning_complete")), undefined);
});
