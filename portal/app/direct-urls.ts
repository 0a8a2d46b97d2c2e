/**
 * Direct links (instance-runtime.md §5.3): `<scheme>://<public ip>:<VAST_TCP_PORT_port>`.
 * The public IP starts as `PUBLIC_IPADDR` and is replaced by the one the user
 * really used, learned from the front's `X-Forwarded-Host` (§4.1 `GET /`).
 * @module
 */
import { isIPv4 } from "node:net";
import type { PortalApp } from "../../contracts/portal-config.ts";
import { targetUrl } from "./applications.ts";

/** Shared by the portal app and the tunnel API. */
export class DirectUrls {
  readonly #https: boolean;
  readonly #mapped: ReadonlyMap<number, string>;
  #publicIp: string | undefined;

  constructor(https: boolean, mapped: ReadonlyMap<number, string>, publicIp: string | undefined) {
    this.#https = https;
    this.#mapped = mapped;
    this.#publicIp = publicIp;
  }

  /** The public IP: learned from the front, else `PUBLIC_IPADDR`; undefined when neither is known. */
  get publicIp(): string | undefined {
    return this.#publicIp;
  }

  /** Record the public IP; false (and no change) unless it is an IPv4 address. */
  setPublicIp(ip: string): boolean {
    if (!isIPv4(ip)) return false;
    this.#publicIp = ip;
    return true;
  }

  /** The direct URL of an external port, or undefined when the port is not mapped or the IP unknown. */
  directUrl(port: number, apps: readonly PortalApp[]): string | undefined {
    const mapped = this.#mapped.get(port);
    if (mapped === undefined || this.#publicIp === undefined) return undefined;
    const app =
      apps.find((a) => a.external_port === port && a.external_port !== a.internal_port) ?? apps.find((a) => a.external_port === port);
    const scheme = app === undefined ? (this.#https ? "https" : "http") : targetUrl(app, apps, this.#https).split(":")[0];
    return `${scheme}://${this.#publicIp}:${mapped}`;
  }
}
