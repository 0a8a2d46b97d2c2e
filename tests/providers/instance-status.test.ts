import assert from "node:assert/strict";
import { test } from "node:test";
import { observe, runningProgress, stoppedProgress } from "../../providers/vast/instance-status.ts";
import type { Instance } from "../../providers/vast/schemas.ts";

const base: Instance = { id: 7, actual_status: "running", intended_status: "running" };

for (const [name, instance, kind] of [
  ["running and intended running is done", base, "done"],
  ["null actual status is still provisioning", { ...base, actual_status: null }, "waiting"],
  ["loading is waiting", { ...base, actual_status: "loading" }, "waiting"],
  ["exited while coming up has failed", { ...base, actual_status: "exited" }, "failed"],
  ["offline has failed", { ...base, actual_status: "offline" }, "failed"],
  ["intended stopped without our asking has failed", { ...base, actual_status: "loading", intended_status: "stopped" }, "failed"],
  [
    "an OCI runtime error in status_msg has failed",
    { ...base, actual_status: "loading", status_msg: "OCI runtime create failed: x" },
    "failed",
  ],
  ["a missing instance has failed", undefined, "failed"],
] as const) {
  test(`running progress: ${name}`, () => assert.equal(runningProgress(instance).kind, kind));
}

test("stop is done once intended is stopped and the container exited", () => {
  assert.equal(stoppedProgress({ ...base, actual_status: "exited", intended_status: "stopped" }).kind, "done");
  assert.equal(stoppedProgress({ ...base, actual_status: "running", intended_status: "stopped" }).kind, "waiting");
});

test("observe prefers the direct 22/tcp mapping for SSH and lists host ports sorted", () => {
  const observed = observe({
    ...base,
    label: "x",
    public_ipaddr: " 203.0.113.7 ",
    ssh_host: "ssh5.vast.ai",
    ssh_port: 31234,
    ports: {
      "8080/tcp": [{ HostIp: "0.0.0.0", HostPort: "40080" }],
      "22/tcp": [
        { HostIp: "0.0.0.0", HostPort: "40022" },
        { HostIp: "::", HostPort: "40022" },
      ],
    },
  });
  assert.equal(observed.sshCommand, "ssh -p 40022 root@203.0.113.7");
  assert.deepEqual(observed.hostPorts, { "22/tcp": 40022, "8080/tcp": 40080 });
  assert.equal(observed.publicIp, "203.0.113.7");
});

test("observe falls back to the proxy SSH endpoint without a direct port", () => {
  assert.equal(observe({ ...base, ssh_host: "ssh5.vast.ai", ssh_port: 31234, ports: null }).sshCommand, "ssh -p 31234 root@ssh5.vast.ai");
});
