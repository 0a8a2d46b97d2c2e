/** What container an instance becomes in Docker mode: env precedence, entry per runtype, labels. No engine needed. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { INSTANCE_LABEL, OWNER_LABEL, containerPlan, registryAuth } from "../../emulator/container-spec.ts";
import { splitReference } from "../../emulator/docker-runtime.ts";
import type { InstanceConfig, InstanceRecord } from "../../emulator/records.ts";

const CONFIG: InstanceConfig = {
  image: "127.0.0.1:5000/vast-kit/base:test",
  runtype: "ssh ssh_proxy",
  env: { GREETING: "hi", OPEN_BUTTON_TOKEN: "supplied", SHARED: "instance", "-p 8080:8080": "1", "-h": "box" },
  onstart: null,
  args: null,
  argsStr: null,
  disk: 10,
  price: null,
  templateId: null,
  templateHashId: null,
  templateName: null,
  jupyterToken: "jt",
  instanceApiKey: "ak",
  openButtonToken: "obt",
  imageLogin: null,
  sshIdx: 1,
  sshPort: 10001,
  ports: { "8080/tcp": "41000", "8081/udp": "41001" },
};

const NO_ACCOUNT = { secrets: [], sshKeys: [] };

function record(config: Partial<InstanceConfig> = {}): InstanceRecord {
  return {
    id: 27100001,
    offerId: 1,
    label: null,
    intendedStatus: "running",
    timeline: [],
    config: { ...CONFIG, ...config },
    offer: { num_gpus: 2 },
    createdAt: 0,
  };
}

test("env: account secrets, then the instance env, then what Vast injects (SSH_PUBLIC_KEY only with keys); flag keys are not variables", () => {
  const account = {
    secrets: [
      { key: "SHARED", value: "account" },
      { key: "ACCOUNT_ONLY", value: "a" },
    ],
    sshKeys: ["ssh-ed25519 AAAA one", "ssh-ed25519 BBBB two"],
  };
  const { config } = containerPlan(record(), "abc123", account);
  assert.deepEqual(config.env, {
    SHARED: "instance",
    ACCOUNT_ONLY: "a",
    GREETING: "hi",
    OPEN_BUTTON_TOKEN: "obt",
    JUPYTER_TOKEN: "jt",
    CONTAINER_ID: "27100001",
    VAST_CONTAINERLABEL: "C.27100001",
    CONTAINER_API_KEY: "ak",
    PUBLIC_IPADDR: "127.0.0.1",
    GPU_COUNT: "2",
    SSH_PUBLIC_KEY: "ssh-ed25519 AAAA one\nssh-ed25519 BBBB two",
    VAST_TCP_PORT_8080: "41000",
    VAST_UDP_PORT_8081: "41001",
  });
  assert.equal(containerPlan(record(), "abc123", NO_ACCOUNT).config.env["SSH_PUBLIC_KEY"], undefined);
  assert.equal(config.hostname, "box");
  assert.deepEqual(config.labels, { [INSTANCE_LABEL]: "27100001", [OWNER_LABEL]: "abc123" });
  assert.equal(config.name, "vast-kit-emu-abc123-27100001");
  assert.deepEqual(config.ports, CONFIG.ports);
});

test("the emulator's address for containers is injected as VAST_API_URL, over a value the env supplies", () => {
  const plan = containerPlan(record({ env: { VAST_API_URL: "https://console.vast.ai" } }), "o", NO_ACCOUNT, "http://172.17.0.1:8787");
  assert.equal(plan.config.env["VAST_API_URL"], "http://172.17.0.1:8787");
  assert.equal(containerPlan(record(), "o", NO_ACCOUNT).config.env["VAST_API_URL"], undefined);
});

test("a self-mapped port request (≥ 70000) tells the container the number drawn, bound the same inside and out (vast-api.md §6.1)", () => {
  const ports = { "8080/tcp": "41000", "72299/tcp": "41234", "70001/udp": "41235" };
  const { config } = containerPlan(record({ ports }), "o", NO_ACCOUNT);
  assert.equal(config.env["VAST_TCP_PORT_72299"], "41234", "the variable Syncthing's wrapper reads (instance-runtime.md §8.6)");
  assert.equal(config.env["VAST_UDP_PORT_70001"], "41235");
  assert.equal(config.env["VAST_TCP_PORT_41234"], undefined, "no variable for the drawn number itself");
  assert.deepEqual(config.ports, { "8080/tcp": "41000", "41234/tcp": "41234", "41235/udp": "41235" });
});

test("a JUPYTER_TOKEN in the env points Jupyter elsewhere and is kept (§6.3)", () => {
  assert.equal(containerPlan(record({ env: { JUPYTER_TOKEN: "mine" } }), "o", NO_ACCOUNT).config.env["JUPYTER_TOKEN"], "mine");
});

test("entry per runtype: ssh and jupyter keep the image entry and run onstart by exec; args replaces CMD, and ENTRYPOINT when onstart is set", () => {
  const cases: Array<[string, Partial<InstanceConfig>, { entrypoint?: string[]; cmd?: string[] }, string[] | null]> = [
    ["ssh, no onstart", {}, {}, null],
    ["ssh with onstart", { onstart: "echo hi" }, {}, ["/bin/sh", "-c", "echo hi"]],
    ["jupyter with onstart and args", { runtype: "jupyter jupyter_direc", onstart: "x", args: ["ignored"] }, {}, ["/bin/sh", "-c", "x"]],
    ["args with args", { runtype: "args", args: ["--a", "b c"] }, { cmd: ["--a", "b c"] }, null],
    ["args with args_str", { runtype: "args", argsStr: " --a  b " }, { cmd: ["--a", "b"] }, null],
    ["args, nothing", { runtype: "args" }, {}, null],
    [
      "args with onstart",
      { runtype: "args", onstart: "/start.sh", args: ["x"] },
      { entrypoint: ["/bin/sh", "-c", '/start.sh "$@"', "onstart"], cmd: ["x"] },
      null,
    ],
    ["blank onstart", { onstart: "  " }, {}, null],
  ];
  for (const [name, config, entry, onstart] of cases) {
    const plan = containerPlan(record(config), "o", NO_ACCOUNT);
    assert.deepEqual({ entrypoint: plan.config.entrypoint, cmd: plan.config.cmd }, { entrypoint: entry.entrypoint, cmd: entry.cmd }, name);
    assert.deepEqual(plan.onstart, onstart, name);
  }
});

test("image references split into the pull's name and tag or digest", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const cases: Array<[string, { name: string; tag: string }]> = [
    ["pytorch/pytorch", { name: "pytorch/pytorch", tag: "latest" }],
    ["127.0.0.1:5000/vast-kit/base", { name: "127.0.0.1:5000/vast-kit/base", tag: "latest" }],
    ["127.0.0.1:5000/vast-kit/base:cuda", { name: "127.0.0.1:5000/vast-kit/base", tag: "cuda" }],
    [`127.0.0.1:5000/vast-kit/base@${digest}`, { name: "127.0.0.1:5000/vast-kit/base", tag: digest }],
    [`127.0.0.1:5000/vast-kit/base:cuda@${digest}`, { name: "127.0.0.1:5000/vast-kit/base", tag: digest }],
  ];
  for (const [ref, expected] of cases) assert.deepEqual(splitReference(ref), expected, ref);
});

test("image_login becomes the pull credentials; without a registry in it, the image's registry is meant", () => {
  const cases: Array<[string, string | null, ReturnType<typeof registryAuth>]> = [
    ["127.0.0.1:5000/a/b:1", null, undefined],
    ["127.0.0.1:5000/a/b:1", "-u bob -p s3cret 127.0.0.1:5000", { username: "bob", password: "s3cret", serveraddress: "127.0.0.1:5000" }],
    ["127.0.0.1:5000/a/b:1", "-u bob -p s3cret", { username: "bob", password: "s3cret", serveraddress: "127.0.0.1:5000" }],
    ["ghcr.io/acme/base:cuda", "-p tok -u acme", { username: "acme", password: "tok", serveraddress: "ghcr.io" }],
    ["acme/base", "-u acme -p tok", { username: "acme", password: "tok", serveraddress: "docker.io" }],
    ["acme/base", "-u acme", undefined],
  ];
  for (const [image, imageLogin, expected] of cases)
    assert.deepEqual(registryAuth({ ...CONFIG, image, imageLogin }), expected, `${image} ${imageLogin}`);
});
