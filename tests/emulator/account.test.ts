/**
 * Account-level resources: templates (G14–G17), SSH keys (G18), account env vars (G19) and
 * volumes (G20) of vast-api.md §7, with their quirks kept (bare-array key list, 400 on an unknown
 * key delete, JSON-string extra_filters, content hashes).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, cheapestOffer, emulatorFor, rent, showInstance } from "./_utils.ts";

const G14_BODY = {
  name: "t",
  image: "img",
  tag: "latest",
  href: null,
  repo: null,
  env: "-e A=1 -p 8000:8000",
  onstart: "echo x",
  jup_direct: false,
  ssh_direct: true,
  use_jupyter_lab: false,
  runtype: "ssh",
  use_ssh: true,
  jupyter_dir: null,
  docker_login_repo: null,
  extra_filters: {
    verified: { eq: true },
    external: { eq: false },
    rentable: { eq: true },
    gpu_ram: { gte: 23000.0 },
    num_gpus: { eq: "1" },
    gpu_name: { eq: "RTX 3090" },
  },
  recommended_disk_space: "50",
  readme: "r",
  readme_visible: true,
  desc: "d",
  private: true,
};
const filterQuery = (filters: unknown): string =>
  `/api/v0/template/?select_cols=${encodeURIComponent('["*"]')}&select_filters=${encodeURIComponent(JSON.stringify(filters))}`;

test("G14 + G15: create a template, find it by name, hash and id; identical content gives the same template", async (t) => {
  const emulator = await emulatorFor(t);
  const res = await call(emulator, "POST", "/api/v0/template/", { body: G14_BODY });
  assert.equal(res.status, 200);
  const template = res.body.template;
  assert.equal(res.body.success, true);
  assert.equal(res.body.msg, `Template Created Successfully! New Template ID: ${template.id}`);
  assert.match(template.hash_id, /^[0-9a-f]{32}$/);
  assert.equal(template.name, "t");

  const again = await call(emulator, "POST", "/api/v0/template/", { body: G14_BODY });
  assert.deepEqual([again.body.template.id, again.body.template.hash_id], [template.id, template.hash_id]);

  const byName = await call(emulator, "GET", filterQuery({ name: { eq: "t" }, use_ssh: { eq: true }, count_created: { gte: "0" } }));
  assert.equal(byName.body.success, true);
  assert.equal(byName.body.templates_found, 1);
  const found = byName.body.templates[0];
  assert.deepEqual(
    {
      id: found.id,
      hash_id: found.hash_id,
      image: found.image,
      tag: found.tag,
      env: found.env,
      runtype: found.runtype,
      ssh_direct: found.ssh_direct,
      private: found.private,
      recommended_disk_space: found.recommended_disk_space,
      creator_id: found.creator_id,
      count_created: found.count_created,
    },
    {
      id: template.id,
      hash_id: template.hash_id,
      image: "img",
      tag: "latest",
      env: "-e A=1 -p 8000:8000",
      runtype: "ssh",
      ssh_direct: true,
      private: true,
      recommended_disk_space: 50,
      creator_id: 1,
      count_created: 0,
    },
  );
  assert.equal(typeof found.extra_filters, "string", "extra_filters comes back as a JSON string");
  assert.deepEqual(JSON.parse(found.extra_filters).gpu_ram, { gte: 23000 });
  assert.equal(typeof found.created_at, "number");
  assert.equal((await call(emulator, "GET", filterQuery({ hash_id: { eq: template.hash_id } }))).body.templates_found, 1);
  assert.equal((await call(emulator, "GET", filterQuery({ id: { eq: template.id } }))).body.templates_found, 1);
  assert.equal((await call(emulator, "GET", "/api/v0/template/?select_filters=name")).status, 400);

  const nameless = await call(emulator, "POST", "/api/v0/template/", { body: { image: "img" } });
  assert.equal(nameless.status, 400);
  assert.deepEqual(nameless.body, { success: false, error: "invalid_args", msg: "Template name is required" });
});

test("G16: an edit keeps the id, makes a new hash, treats null as keep; the old hash still launches the old content", async (t) => {
  const emulator = await emulatorFor(t);
  const created = (await call(emulator, "POST", "/api/v0/template/", { body: G14_BODY })).body.template;
  const edit = await call(emulator, "PUT", "/api/v0/template/", {
    body: {
      hash_id: created.hash_id,
      name: "t",
      image: "img2",
      tag: null,
      href: null,
      repo: null,
      env: null,
      onstart: null,
      desc: "newdesc",
      readme: null,
      recommended_disk_space: null,
    },
  });
  assert.equal(edit.status, 200);
  const edited = edit.body.template;
  assert.equal(edited.id, created.id);
  assert.notEqual(edited.hash_id, created.hash_id);
  assert.deepEqual(
    [edited.image, edited.desc, edited.env, edited.onstart, edited.recommended_disk_space],
    ["img2", "newdesc", "-e A=1 -p 8000:8000", "echo x", 50],
  );
  assert.equal((await call(emulator, "GET", filterQuery({ hash_id: { eq: edited.hash_id } }))).body.templates[0].id, created.id);

  const offer = await cheapestOffer(emulator);
  const instanceId = await rent(emulator, offer.id, { image: null, template_hash_id: created.hash_id });
  assert.equal((await showInstance(emulator, instanceId)).image_uuid, "img:latest");
  const missing = await call(emulator, "PUT", "/api/v0/template/", { body: { hash_id: "f".repeat(32), name: "x" } });
  assert.equal(missing.status, 404);
});

test("G17: delete by template_id or by hash_id; an unknown one is a 404", async (t) => {
  const emulator = await emulatorFor(t);
  const a = (await call(emulator, "POST", "/api/v0/template/", { body: { name: "a", image: "img" } })).body.template;
  const b = (await call(emulator, "POST", "/api/v0/template/", { body: { name: "b", image: "img" } })).body.template;
  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/template/", { body: { template_id: a.id } })).body, { success: true });
  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/template/", { body: { hash_id: b.hash_id } })).body, { success: true });
  const gone = await call(emulator, "DELETE", "/api/v0/template/", { body: { template_id: a.id } });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error, "not_found");
  assert.equal((await call(emulator, "GET", filterQuery({}))).body.templates_found, 0);
});

test("G18: SSH keys: bare-array list, 404 when empty, attach/detach on an instance, 400 on deleting an unknown key", async (t) => {
  const emulator = await emulatorFor(t);
  const empty = await call(emulator, "GET", "/api/v0/ssh/");
  assert.equal(empty.status, 404);
  assert.equal(empty.body.msg, "No SSH keys found for the user.");
  const keyText = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample test@host";
  const created = await call(emulator, "POST", "/api/v0/ssh/", { body: { ssh_key: keyText } });
  assert.equal(created.body.success, true);
  const key = created.body.key;
  assert.deepEqual({ ...key, created_at: 0 }, { id: key.id, user_id: 1, public_key: keyText, created_at: 0, deleted_at: null });
  const list = await call(emulator, "GET", "/api/v0/ssh/");
  assert.ok(Array.isArray(list.body));
  assert.deepEqual(
    list.body.map((k: any) => [k.id, k.key]),
    [[key.id, keyText]],
  );
  assert.equal((await call(emulator, "POST", "/api/v0/ssh/", { body: { ssh_key: keyText } })).status, 400, "duplicates are refused");
  assert.deepEqual((await call(emulator, "POST", "/api/v0/ssh/", { body: { ssh_key: "" } })).body, {
    success: false,
    error: "no_ssh_key",
    msg: "No ssh key provided",
  });

  const id = await rent(emulator, (await cheapestOffer(emulator)).id);
  const attached = await call(emulator, "GET", `/api/v0/instances/${id}/ssh/`);
  assert.deepEqual(JSON.parse(attached.body.ssh_keys), [keyText], "account keys go onto new instances");
  const other = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ other@host";
  assert.deepEqual((await call(emulator, "POST", `/api/v0/instances/${id}/ssh/`, { body: { ssh_key: other } })).body, {
    success: true,
    msg: "SSH key attached successfully",
  });
  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/instances/${id}/ssh/${key.id}/`, { body: {} })).body, {
    success: true,
    msg: "SSH key removed from instance.",
  });
  assert.deepEqual(JSON.parse((await call(emulator, "GET", `/api/v0/instances/${id}/ssh/`)).body.ssh_keys), [other]);
  assert.equal((await call(emulator, "DELETE", `/api/v0/instances/${id}/ssh/${key.id}/`, { body: {} })).body.error, "no_such_ssh_key");

  const updated = await call(emulator, "PUT", `/api/v0/ssh/${key.id}/`, { body: { id: key.id, ssh_key: `${keyText} renamed` } });
  assert.equal(updated.body.key.public_key, `${keyText} renamed`);
  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/ssh/${key.id}/`, { body: {} })).body, { success: true });
  const repeat = await call(emulator, "DELETE", `/api/v0/ssh/${key.id}/`, { body: {} });
  assert.deepEqual([repeat.status, repeat.body], [400, { success: false, error: "no_ssh_key", msg: "No ssh key provided" }]);
});

test("G19: account env vars are upper-cased, validated, masked, and give existing_key / nonexistent_key", async (t) => {
  const emulator = await emulatorFor(t);
  assert.deepEqual((await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "hf_token", value: "hf_abc" } })).body, {
    success: true,
    msg: "Environment variable added successfully",
  });
  const dup = await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "HF_TOKEN", value: "hf_abc" } });
  assert.deepEqual([dup.status, dup.body.success, dup.body.error], [400, false, "existing_key"]);
  assert.deepEqual((await call(emulator, "GET", "/api/v0/secrets/")).body, { success: true, secrets: { HF_TOKEN: "*****" } });
  assert.deepEqual((await call(emulator, "PUT", "/api/v0/secrets/", { body: { key: "HF_TOKEN", value: "hf_def" } })).body, {
    success: true,
    msg: "Environment variable updated successfully",
  });
  assert.deepEqual((await call(emulator, "DELETE", "/api/v0/secrets/", { body: { key: "HF_TOKEN" } })).body, {
    success: true,
    msg: "Environment variable deleted successfully",
  });
  assert.equal((await call(emulator, "DELETE", "/api/v0/secrets/", { body: { key: "HF_TOKEN" } })).body.error, "nonexistent_key");
  assert.equal((await call(emulator, "PUT", "/api/v0/secrets/", { body: { key: "NOPE", value: "x" } })).body.error, "nonexistent_key");
  assert.deepEqual((await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "ONLY" } })).body, {
    success: false,
    error: "missing_input",
    msg: "Both 'key' and 'value' are required.",
  });
  assert.equal((await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "1BAD", value: "x" } })).body.error, "invalid_characters");
  assert.equal(
    (await call(emulator, "POST", "/api/v0/secrets/", { body: { key: "SPACES", value: "a b" } })).body.error,
    "invalid_characters",
  );
});

test("G20: volumes: search offers, rent one, list it, refuse deleting it while attached, delete by query id", async (t) => {
  const emulator = await emulatorFor(t);
  const search = await call(emulator, "POST", "/api/v0/volumes/search/", {
    body: {
      verified: { eq: true },
      external: { eq: false },
      disk_space: { gte: 1, gt: "50" },
      order: [["score", "desc"]],
      allocated_storage: 1.0,
    },
  });
  const volumeOffer = search.body.offers[0];
  assert.ok(volumeOffer.disk_space > 50);
  const created = await call(emulator, "PUT", "/api/v0/volumes/", { body: { size: 20, id: volumeOffer.id, name: "myvol" } });
  assert.equal(created.body.success, true);
  assert.match(created.body.volume_name, /^V\.\d+$/);
  const volumeId = created.body.volume_id;
  const listed = (await call(emulator, "GET", "/api/v0/volumes?owner=me&type=all_volume")).body.volumes;
  assert.deepEqual(
    {
      id: listed[0].id,
      status: listed[0].status,
      disk_space: listed[0].disk_space,
      machine_id: listed[0].machine_id,
      instances: listed[0].instances,
    },
    { id: volumeId, status: "available", disk_space: 20, machine_id: volumeOffer.machine_id, instances: [] },
  );
  assert.equal(typeof listed[0].start_date, "number");

  const offer = await cheapestOffer(emulator, { machine_id: { eq: volumeOffer.machine_id } });
  const instanceId = await rent(emulator, offer.id, { volume_info: { create_new: false, volume_id: volumeId, mount_path: "/data" } });
  const attached = (await call(emulator, "GET", "/api/v0/volumes?owner=me&type=all_volume")).body.volumes[0];
  assert.deepEqual([attached.status, attached.instances], ["attached", [instanceId]]);
  const busy = await call(emulator, "DELETE", `/api/v0/volumes/?id=${volumeId}`, { body: {} });
  assert.equal(busy.status, 400);
  await call(emulator, "DELETE", `/api/v0/instances/${instanceId}/`, { body: {} });
  assert.deepEqual((await call(emulator, "DELETE", `/api/v0/volumes/?id=${volumeId}`, { body: {} })).body, { success: true });
  const unknown = await call(emulator, "DELETE", "/api/v0/volumes/", { body: { id: volumeId } });
  assert.deepEqual(
    [unknown.status, unknown.body],
    [404, { success: false, error: "no_such_volume", msg: "Volume with that ID does not exist." }],
  );
  assert.equal((await call(emulator, "DELETE", "/api/v0/volumes/", { body: {} })).body.msg, "Please provide a valid volume ID.");
});
