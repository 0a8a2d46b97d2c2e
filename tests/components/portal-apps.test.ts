import assert from "node:assert/strict";
import { test } from "node:test";
import { appSlug, portsToOpen, tunnelIngress, type PortalApp } from "../../components/portal-apps.ts";

const apps: PortalApp[] = [
  { hostname: "localhost", external_port: 1111, internal_port: 11111, open_path: "/", name: "Instance Portal" },
  { hostname: "localhost", external_port: 8080, internal_port: 8080, open_path: "/terminals/1", name: "Jupyter Terminal" },
  { hostname: "localhost", external_port: 1111, internal_port: 11112, open_path: "/x", name: "Other" },
];

test("ports to open are the external ports, once each", () => {
  assert.deepEqual(portsToOpen(apps), ["1111", "8080"]);
});

test("ingress skips link-only apps (equal ports) and ends with the catch-all", () => {
  const rules = tunnelIngress(apps, "prod", "example.com");
  assert.equal(rules.length, 3);
  assert.deepEqual(rules.at(-1), { service: "http_status:404" });
  assert.ok(!rules.some((r) => r.hostname?.startsWith("jupyter-terminal")));
});

test("app names become DNS labels", () => {
  assert.equal(appSlug(apps[0]!), "instance-portal");
  assert.equal(appSlug({ ...apps[0]!, name: "  ¡¡  " }), "port-1111");
});
