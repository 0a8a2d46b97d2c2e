/** VastTemplate, VastSshKey and VastEnvVar provider methods against the emulator over real HTTP. */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as envVar from "../../providers/vast/env-var-provider.ts";
import * as sshKey from "../../providers/vast/ssh-key-provider.ts";
import * as template from "../../providers/vast/template-provider.ts";
import { emulatorFor } from "./_emulator.ts";

test("a template keeps its numeric id across edits while hashId follows the content; delete and read agree", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = (
    await template.check(
      {},
      {
        name: "base",
        image: "reg/base@sha256:" + "a".repeat(64),
        env: { PORTAL_CONFIG: "localhost:1111:11111:/:Instance Portal" },
        ports: ["1111"],
      },
    )
  ).inputs as template.TemplateInputs;
  const created = await template.create(settings, inputs);
  const outs = created.outs as template.TemplateOutputs;
  assert.equal(created.id, String(outs.templateId));
  assert.match(outs.hashId, /^[0-9a-f]{32}$/);

  const edited = { ...inputs, description: "now with a description" };
  assert.equal((await template.diff(created.id, outs, edited)).changes, true);
  const updated = (await template.update(settings, created.id, outs, edited)).outs as template.TemplateOutputs;
  assert.equal(updated.templateId, outs.templateId);
  assert.notEqual(updated.hashId, outs.hashId);
  assert.equal((await template.read(settings, created.id, updated)).props?.hashId, updated.hashId);

  await template.remove(settings, created.id);
  await template.remove(settings, created.id);
  assert.deepEqual(await template.read(settings, created.id, updated), { id: "" });
});

test("an SSH key is created, found, replaced on change and deleted idempotently; a private key is refused", async (t) => {
  const { settings } = await emulatorFor(t);
  const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKitLi0sZ2hvc3Q test@host";
  const inputs = (await sshKey.check({}, { publicKey })).inputs as sshKey.SshKeyInputs;
  const created = await sshKey.create(settings, inputs);
  assert.equal((await sshKey.read(settings, created.id, inputs)).id, created.id);
  assert.deepEqual((await sshKey.diff(created.id, inputs, { publicKey: publicKey.replace("test@host", "other") })).replaces, ["publicKey"]);
  await sshKey.remove(settings, created.id);
  await sshKey.remove(settings, created.id);
  assert.deepEqual(await sshKey.read(settings, created.id, inputs), { id: "" });
  assert.match(
    (await sshKey.check({}, { publicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" })).failures?.[0]?.reason ?? "",
    /never a private key/,
  );
});

test("an account env var is upper-cased, upserted on update, and deleted idempotently", async (t) => {
  const { settings } = await emulatorFor(t);
  const inputs = (await envVar.check({}, { key: "hf_token", value: "hf_abc" })).inputs as envVar.EnvVarInputs;
  assert.equal(inputs.key, "HF_TOKEN");
  const created = await envVar.create(settings, inputs);
  assert.equal(created.id, "HF_TOKEN");
  await envVar.update(settings, created.id, inputs, { ...inputs, value: "hf_def" });
  assert.equal((await envVar.read(settings, created.id, inputs)).id, "HF_TOKEN");
  await envVar.remove(settings, created.id);
  await envVar.remove(settings, created.id);
  assert.deepEqual(await envVar.read(settings, created.id, inputs), { id: "" });
  assert.match((await envVar.check({}, { key: "A", value: "has space" })).failures?.[0]?.reason ?? "", /only letters, digits/);
});
