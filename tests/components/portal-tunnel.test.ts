import assert from "node:assert/strict";
import { test } from "node:test";
import { isSecret, only, registeredOf, valueOf } from "./_mocks.ts";

const { PortalTunnel } = await import("../../components/portal-tunnel.ts");
const { defaultPortalApps } = await import("../../components/portal-apps.ts");

test("the tunnel is remotely managed, its ingress and DNS come from the portal apps, and its token is a secret", async () => {
  const tunnel = new PortalTunnel("portal", { accountId: "acct", zoneId: "zone", domain: "gpu.example.com", apps: defaultPortalApps });
  assert.equal(await valueOf(tunnel.token), "eyJhIjoidHVubmVsLXRva2VuIn0=");
  assert.equal(await isSecret(tunnel.token), true);

  const [cfTunnel] = only("cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared");
  assert.equal(cfTunnel!.inputs.configSrc, "cloudflare");
  assert.equal(cfTunnel!.inputs.name, "vast-kit-unit");
  assert.equal(Buffer.from(cfTunnel!.inputs.tunnelSecret, "base64").length, 32, "cloudflared needs a 32-byte secret");
  assert.deepEqual(cfTunnel!.secrets, ["tunnelSecret"]);

  const [config] = await registeredOf("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", 1);
  assert.equal(config!.inputs.tunnelId, "portal-id");
  assert.deepEqual(config!.inputs.config.ingresses, [
    { hostname: "instance-portal-unit.gpu.example.com", service: "http://localhost:1111" },
    { hostname: "jupyter-unit.gpu.example.com", service: "http://localhost:8080" },
    { hostname: "syncthing-unit.gpu.example.com", service: "http://localhost:8384" },
    { service: "http_status:404" },
  ]);

  const records = await registeredOf("cloudflare:index/dnsRecord:DnsRecord", 3);
  assert.deepEqual(
    records.map((r) => [r.inputs.name, r.inputs.type, r.inputs.content, r.inputs.proxied, r.inputs.ttl]),
    [
      ["instance-portal-unit.gpu.example.com", "CNAME", "portal-id.cfargotunnel.com", true, 1],
      ["jupyter-unit.gpu.example.com", "CNAME", "portal-id.cfargotunnel.com", true, 1],
      ["syncthing-unit.gpu.example.com", "CNAME", "portal-id.cfargotunnel.com", true, 1],
    ],
  );
  assert.deepEqual(tunnel.urls, {
    "Instance Portal": "https://instance-portal-unit.gpu.example.com/",
    Jupyter: "https://jupyter-unit.gpu.example.com/",
    Syncthing: "https://syncthing-unit.gpu.example.com/",
  });
});
