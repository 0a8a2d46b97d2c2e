import assert from "node:assert/strict";
import { test } from "node:test";
import { isSecret, mockRandom, only, registered, valueOf } from "./_mocks.ts";

const { GpuFleet } = await import("../../components/gpu-fleet.ts");
const { defaultPortalApps } = await import("../../components/portal-apps.ts");
const pulumi = await import("@pulumi/pulumi");

const offer = { filter: { gpu_name: { eq: "RTX 4090" } }, maxPricePerHour: 1 };

test("a fleet publishes a template built from the portal apps and launches N instances under it", async () => {
  const fleet = new GpuFleet("fleet", {
    image: "reg/base@sha256:abc",
    apps: defaultPortalApps,
    instanceCount: 2,
    offer,
    tunnelToken: pulumi.secret("tunnel-token"),
  });
  await Promise.all(fleet.instances.map((i) => valueOf(i.instanceId)));
  const component = registered.find((r) => r.type === "vast-kit:fleet:GpuFleet");
  assert.ok(component);
  const [template] = only("pulumi-nodejs:dynamic/vast:Template");
  assert.equal(template!.name, "fleet");
  assert.equal(template!.inputs.image, "reg/base@sha256:abc");
  assert.deepEqual(template!.inputs.ports, ["1111", "8080", "8384"]);
  assert.equal(
    template!.inputs.env.PORTAL_CONFIG,
    "localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8384:18384:/:Syncthing",
  );
  assert.equal(template!.inputs.env.OPEN_BUTTON_PORT, "1111");
  assert.deepEqual(
    Object.keys(template!.inputs.env).sort(),
    ["ENABLE_HTTPS", "OPEN_BUTTON_PORT", "PORTAL_CONFIG"],
    "no secret in the template",
  );
  assert.ok(!JSON.stringify(template!.inputs).includes("tunnel-token"));
  assert.ok(!JSON.stringify(template!.inputs).includes(mockRandom("fleet-portal-password", 24)));
  const instances = only("pulumi-nodejs:dynamic/vast:Instance");
  assert.deepEqual(
    instances.map((i) => i.name),
    ["fleet-0", "fleet-1"],
  );
  assert.deepEqual(instances[0]!.inputs.env, { WEB_PASSWORD: mockRandom("fleet-portal-password", 24), CF_TUNNEL_TOKEN: "tunnel-token" });
  assert.ok(instances[0]!.secrets.includes("env"), "the password and the tunnel token reach each instance as secrets");
  assert.deepEqual(
    instances.map((i) => i.inputs.label),
    [undefined, undefined],
    "the kit's tag alone labels them",
  );
  assert.deepEqual(instances[1]!.inputs.owner, { project: "vast-kit", stack: "unit", resource: "fleet-1" });
  assert.deepEqual(await Promise.all(fleet.instances.map((i) => valueOf(i.pricePerHour))), [0.1, 0.1]);
  assert.equal(await valueOf(fleet.pricePerHour), 0.2, "the fleet's $/hour is its instances' sum, rounded");
  assert.equal(instances[0]!.inputs.templateHashId, "0123456789abcdef0123456789abcdef");
  assert.deepEqual(instances[0]!.inputs.offer, offer);
});

test("the portal password and the URLs that carry it are secrets", async () => {
  const fleet = new GpuFleet("secretive", { image: "img", apps: defaultPortalApps, instanceCount: 1, offer });
  assert.equal(await isSecret(fleet.portalPassword), true);
  const url = fleet.instances[0]!.portalUrl;
  assert.equal(await isSecret(url), true);
  assert.equal(await valueOf(url), `https://203.0.113.7:41111/?token=${mockRandom("secretive-portal-password", 24)}`);
});

test("zero instances publishes the template alone", async () => {
  const before = only("pulumi-nodejs:dynamic/vast:Instance").length;
  const fleet = new GpuFleet("template-only", { image: "img", apps: defaultPortalApps, instanceCount: 0 });
  await valueOf(fleet.templateId);
  assert.ok(only("pulumi-nodejs:dynamic/vast:Template").some((t) => t.name === "template-only"));
  assert.equal(only("pulumi-nodejs:dynamic/vast:Instance").length, before);
  assert.deepEqual(fleet.instances, []);
});

test("instances without offer criteria are refused, naming the component", () => {
  assert.throws(
    () => new GpuFleet("no-offer", { image: "img", apps: defaultPortalApps, instanceCount: 1 }),
    /GpuFleet no-offer: instanceCount is 1 but no offer criteria were given/,
  );
});

test("apps that cannot be published are refused before any resource, naming each app and rule", async () => {
  const children = () => registered.filter((r) => r.type !== "vast-kit:fleet:GpuFleet").length;
  const before = children();
  const apps = [
    ...defaultPortalApps,
    { hostname: "localhost", external_port: 8080, internal_port: 18081, open_path: "/", name: "Other" },
    { hostname: "localhost", external_port: 7000, internal_port: 17000, open_path: "/", name: 'Say "hi"' },
  ];
  assert.throws(
    () => new GpuFleet("bad-apps", { image: "img", apps, instanceCount: 0 }),
    (error: Error) => {
      assert.match(error.message, /^GpuFleet bad-apps: the portal apps cannot be published:/);
      assert.match(error.message, /app "Other": .*8080/);
      assert.match(error.message, /app "Say \\"hi\\"": name/);
      return true;
    },
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(children(), before, "no child resource was registered");
});

test("a provisioning manifest reaches the template env as PROVISIONING_MANIFEST, within Vast's 256 characters an entry", async () => {
  const { gunzipSync } = await import("node:zlib");
  const provisioning = {
    version: 1 as const,
    apt_packages: ["ffmpeg"],
    pip_packages: [{ packages: ["torch>=2.0", "transformers"] }],
    downloads: Array.from({ length: 6 }, (_, i) => ({
      url: `https://huggingface.co/acme/m${i}/resolve/main/w.safetensors`,
      dest: `/workspace/models/m${i}/`,
    })),
    post_commands: ["echo done"],
  };
  const fleet = new GpuFleet("provisioned", { image: "img", apps: defaultPortalApps, instanceCount: 0, provisioning });
  await valueOf(fleet.templateId);
  const template = only("pulumi-nodejs:dynamic/vast:Template").find((t) => t.name === "provisioned");
  const env = template!.inputs.env as Record<string, string>;
  const parts = Number(/^b64gz-parts:(\d+)$/.exec(env.PROVISIONING_MANIFEST ?? "")?.[1]);
  assert.ok(parts > 1, env.PROVISIONING_MANIFEST);
  const data = Array.from({ length: parts }, (_, i) => env[`PROVISIONING_MANIFEST_PART_${i + 1}`]).join("");
  assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8")), provisioning);
  for (const [key, value] of Object.entries(env)) assert.ok(`${key}=${value}`.length <= 256, key);
});

test("an invalid provisioning manifest is refused before any resource, naming the field", async () => {
  const children = () => registered.filter((r) => r.type !== "vast-kit:fleet:GpuFleet").length;
  const before = children();
  assert.throws(
    () =>
      new GpuFleet("bad-provisioning", {
        image: "img",
        apps: defaultPortalApps,
        instanceCount: 1,
        offer,
        provisioning: { version: 1, git_repos: [{ url: "ftp://example.com/repo", dest: "/workspace/repo" }] },
      }),
    (error: Error) => {
      assert.match(error.message, /^GpuFleet bad-provisioning: provisioning is invalid:\n {2}→ at git_repos\[0\]\.url: must be a git URL/);
      return true;
    },
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(children(), before, "no template, instance or secret was registered");
});

test("each instance waits for its portal on 1111 by default; waitForPortal bounds or turns off the wait", async () => {
  const waitOf = async (name: string, waitForPortal?: boolean | { timeoutSeconds?: number }) => {
    const fleet = new GpuFleet(name, {
      image: "img",
      apps: defaultPortalApps,
      instanceCount: 1,
      offer,
      ...(waitForPortal === undefined ? {} : { waitForPortal }),
    });
    await valueOf(fleet.instances[0]!.instanceId);
    return only("pulumi-nodejs:dynamic/vast:Instance").find((i) => i.name === `${name}-0`)!.inputs.waitForPortal;
  };
  assert.deepEqual(await waitOf("waits"), { port: 1111 });
  assert.deepEqual(await waitOf("bounded", { timeoutSeconds: 60 }), { port: 1111, timeoutSeconds: 60 });
  assert.equal(await waitOf("no-wait", false), false);
});
