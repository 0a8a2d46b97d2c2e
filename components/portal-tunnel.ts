/**
 * `PortalTunnel`: a remotely managed Cloudflare named tunnel whose ingress rules and DNS records
 * come from the same portal apps as `PORTAL_CONFIG`; its token reaches instances as
 * `CF_TUNNEL_TOKEN` (pulumi.md §4).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { RandomSecret } from "../providers/random/index.ts";
import { assertPortalApps, tunnelHostname, tunnelIngress, type PortalApp } from "./portal-apps.ts";

/** Arguments of {@link PortalTunnel}. */
export interface PortalTunnelArgs {
  /** Cloudflare account id. */
  readonly accountId: pulumi.Input<string>;
  /** Zone id of `domain`. */
  readonly zoneId: pulumi.Input<string>;
  /** Domain the app hostnames live under, e.g. `example.com`. */
  readonly domain: string;
  /** The portal apps; proxied ones get a hostname `<app>-<stack>.<domain>`. */
  readonly apps: readonly PortalApp[];
}

export class PortalTunnel extends pulumi.ComponentResource {
  readonly tunnelId: pulumi.Output<string>;
  /** Tunnel token for cloudflared (`CF_TUNNEL_TOKEN`); a secret. */
  readonly token: pulumi.Output<string>;
  /** Public https URL per app name. */
  readonly urls: Record<string, string>;

  constructor(name: string, args: PortalTunnelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vast-kit:tunnel:PortalTunnel", name, {}, opts);
    assertPortalApps(`PortalTunnel ${name}`, args.apps);
    const stack = pulumi.getStack();
    // cloudflared requires a secret of at least 32 bytes, base64-encoded.
    const secret = new RandomSecret(`${name}-secret`, { bytes: 32 }, { parent: this });
    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      name,
      {
        accountId: args.accountId,
        name: `${pulumi.getProject()}-${stack}`,
        configSrc: "cloudflare",
        tunnelSecret: secret.value.apply((v) => Buffer.from(v, "base64url").toString("base64")),
      },
      { parent: this },
    );
    this.tunnelId = tunnel.id;

    const ingress = tunnelIngress(args.apps, stack, args.domain);
    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-config`,
      {
        accountId: args.accountId,
        tunnelId: tunnel.id,
        source: "cloudflare",
        config: { ingresses: ingress },
      },
      { parent: this },
    );

    this.urls = {};
    for (const app of args.apps.filter((a) => a.external_port !== a.internal_port)) {
      const hostname = tunnelHostname(app, stack, args.domain);
      new cloudflare.DnsRecord(
        `${name}-${hostname.split(".")[0]}`,
        {
          zoneId: args.zoneId,
          name: hostname,
          type: "CNAME",
          content: pulumi.interpolate`${tunnel.id}.cfargotunnel.com`,
          proxied: true,
          ttl: 1,
        },
        { parent: this },
      );
      this.urls[app.name] = `https://${hostname}/`;
    }

    // The invoke's result is not marked secret by the provider (pulumi.md §4): wrap it.
    const token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId: args.accountId, tunnelId: tunnel.id }, { parent: this });
    this.token = pulumi.secret(token.token);
    this.registerOutputs({ tunnelId: this.tunnelId, token: this.token, urls: this.urls });
  }
}
