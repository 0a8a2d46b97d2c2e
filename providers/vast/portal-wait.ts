/**
 * Waiting, after "running", until an instance's portal answers through its published port, so the
 * URL `up` prints opens at once (issue 11: on the local stack the portal listens about 2 s after
 * "running", on Vast later still). Any HTTP answer from the front counts, 401 included: the front
 * is up, the rest is the user's token. Portals serve TLS with the instance's self-signed pair
 * (instance-runtime.md §6), so this probe, and only this probe, accepts any certificate; a front
 * without TLS is tried over plain HTTP.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { z } from "zod";
import { VastError, VastErrorCode } from "./errors.ts";
import { hostPort } from "./instance-status.ts";
import type { Instance } from "./schemas.ts";

/** The portal's container port in the default `PORTAL_CONFIG` (vast-api.md §6.5). */
export const defaultPortalPort = 1111;
/** How long the wait lasts when only `true` is given. */
export const defaultPortalTimeoutSeconds = 300;

/**
 * The `waitForPortal` input of a `VastInstance`: `false` (the default) does not wait, `true` waits
 * for port 1111 up to 300 s, an object sets either.
 */
export const PortalWaitInput = z
  .union([
    z.boolean(),
    z.strictObject({
      /** Container port of the portal's front. Defaults to 1111. */
      port: z
        .number()
        .int()
        .min(1, "must be a container port from 1 to 65535")
        .max(65535, "must be a container port from 1 to 65535")
        .optional(),
      /** How long to wait for an answer after "running". Defaults to 300 s. */
      timeoutSeconds: z.number().int().positive("must be a whole number of seconds, more than 0").optional(),
    }),
  ])
  .default(false);
export type PortalWaitInput = z.infer<typeof PortalWaitInput>;

/** A wait to run: which container port, for how long. */
export interface PortalWait {
  port: number;
  timeoutSeconds: number;
}

/** The wait `input` asks for, or undefined when it asks for none. */
export function portalWaitOf(input: PortalWaitInput | undefined): PortalWait | undefined {
  if (!input) return undefined;
  const given = input === true ? {} : input;
  return { port: given.port ?? defaultPortalPort, timeoutSeconds: given.timeoutSeconds ?? defaultPortalTimeoutSeconds };
}

// Accepting any certificate is right for this probe alone: it reads no body and sends no secret.
let anyCertificate: Agent | undefined;
function bounded() {
  anyCertificate ??= new Agent({ connect: { rejectUnauthorized: false, timeout: 5000 }, pipelining: 0 });
  return { dispatcher: anyCertificate, headersTimeout: 5000, bodyTimeout: 5000 } as const;
}

/** What a refused or failed probe means, in a few words for the progress line. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection closed before an answer";
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") return "no answer within 5 s";
  return (error as Error).message;
}

/** True for a TLS failure that means the front speaks plain HTTP. */
function isPlainHttp(error: unknown): boolean {
  const code = String((error as { code?: string }).code ?? "");
  return code.startsWith("ERR_SSL") || code === "EPROTO";
}

/** One probe: the status of any answer, or why there was none. */
async function probe(origin: string): Promise<{ status: number } | { reason: string }> {
  try {
    const res = await request(`https://${origin}/`, bounded());
    await res.body.dump();
    return { status: res.statusCode };
  } catch (error) {
    if (!isPlainHttp(error)) return { reason: reasonOf(error) };
  }
  try {
    const res = await request(`http://${origin}/`, bounded());
    await res.body.dump();
    return { status: res.statusCode };
  } catch (error) {
    return { reason: reasonOf(error) };
  }
}

/**
 * Resolves once the portal of running `instance` answers through its published port; `onStatus`
 * hears each new reason it does not yet. Rejects with `VAST_PORTAL_UNPUBLISHED` when the port is
 * not published, and `VAST_PORTAL_TIMEOUT` at the deadline.
 */
export async function waitForPortal(instance: Instance, wait: PortalWait, onStatus: (status: string) => void): Promise<number> {
  const ip = instance.public_ipaddr?.trim();
  const port = hostPort(instance, `${wait.port}/tcp`);
  if (!ip || port === undefined) {
    throw new VastError(
      VastErrorCode.portalUnpublished,
      `instance ${instance.id} publishes no port for the portal (${wait.port}/tcp${ip ? "" : ", and no public IP"}); open that port or turn waitForPortal off`,
    );
  }
  const origin = `${ip}:${port}`;
  const deadline = Date.now() + wait.timeoutSeconds * 1000;
  let last = "";
  for (;;) {
    const result = await probe(origin);
    if ("status" in result) return result.status;
    if (result.reason !== last) onStatus(`portal at ${origin}: ${(last = result.reason)}`);
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new VastError(
        VastErrorCode.portalTimeout,
        `the portal of instance ${instance.id} did not answer at ${origin} (container port ${wait.port}) within ${wait.timeoutSeconds} s (last: ${last})`,
      );
    }
    await sleep(Math.min(1000, left));
  }
}
