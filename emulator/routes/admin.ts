/**
 * The test-control API under `/_emulator/` (reachable only with the emulator's Bearer key; not
 * counted in stats): faults, timings, stats, an instance peek, the secrets the Vast API never
 * returns, the clock, outbidding a bid instance, and the Docker mode's cleanup. Bodies are
 * validated with the same zod schemas as the programmatic API.
 */
import { z } from "zod";
import { type ApiResult, json } from "../context.ts";
import { ApiError, InvalidOptionsError } from "../errors.ts";
import { Faults, type LifecycleTimings, TimingsPatch, parseOptions } from "../config.ts";

/** What the admin routes act on; `startEmulator` implements it. */
export interface AdminControls {
  getFaults(): Faults;
  setFaults(faults: Faults): void;
  getTimings(): LifecycleTimings;
  setTimings(patch: Partial<LifecycleTimings>): void;
  stats(): { total: number; byEndpoint: Record<string, number> };
  resetStats(): void;
  listInstances(): unknown[];
  instanceSecrets(id: number): InstanceSecrets | undefined;
  removeContainers(): Promise<number>;
  setClock(change: ClockChange): { now: number };
  /** Outbids a bid instance (outbid.ts); resolves the higher bid. */
  outbid(id: number, higherBid?: number): number;
  /** Accepts every pending team invitation of `email` (vast-api-more.md §4.4); returns the team ids joined. */
  acceptInvites(email: string): number[];
}

/** A change to the emulator's clock (clock.ts): move it forward, and/or freeze or release it. */
export const ClockChange = z.strictObject({
  /** Milliseconds to move forward. Defaults to none. */
  advanceMs: z.number().min(0).optional(),
  /** `true` holds the clock still, `false` lets it run. Defaults to leaving it as it is. */
  frozen: z.boolean().optional(),
});
export type ClockChange = z.infer<typeof ClockChange>;

/** What the container of an instance is given and the API does not return (vast-api.md §6.4). */
export interface InstanceSecrets {
  open_button_token: string;
  /** `CONTAINER_API_KEY`; the API returns it once, as the create answer's `instance_api_key` (§3.2.4). */
  container_api_key: string;
}

const SECRETS_PATH = /^\/_emulator\/instances\/(\d+)\/secrets$/;
const OUTBID_PATH = /^\/_emulator\/instances\/(\d+)\/outbid$/;
/** Body of `POST /_emulator/instances/{id}/outbid`: the higher bid in $/h; defaults to 10 % over the instance's. */
const OutbidBody = z.strictObject({ price: z.number().positive().optional() });

function parseJson(raw: string): unknown {
  try {
    return raw.trim() === "" ? {} : (JSON.parse(raw) as unknown);
  } catch {
    throw new InvalidOptionsError("body is not valid JSON", []);
  }
}

/** Routes one admin request. Unknown paths answer 404. */
export async function handleAdmin(admin: AdminControls, method: string, path: string, rawBody: string): Promise<ApiResult> {
  try {
    const route = `${method} ${path}`;
    const secretsOf = method === "GET" ? SECRETS_PATH.exec(path)?.[1] : undefined;
    if (secretsOf !== undefined) {
      const secrets = admin.instanceSecrets(Number(secretsOf));
      return secrets ? json(secrets) : json({ success: false, error: "no_such_instance", msg: `Instance ${secretsOf} not found.` }, 404);
    }
    const outbidOf = method === "POST" ? OUTBID_PATH.exec(path)?.[1] : undefined;
    if (outbidOf !== undefined) {
      const { price } = parseOptions(OutbidBody, parseJson(rawBody), "outbid");
      return json({ success: true, outbid_by: admin.outbid(Number(outbidOf), price) });
    }
    switch (route) {
      case "GET /_emulator/faults":
        return json(admin.getFaults());
      case "PUT /_emulator/faults":
        admin.setFaults(parseOptions(Faults, parseJson(rawBody), "faults"));
        return json(admin.getFaults());
      case "GET /_emulator/timings":
        return json(admin.getTimings());
      case "PUT /_emulator/timings":
        admin.setTimings(parseOptions(TimingsPatch, parseJson(rawBody), "timings"));
        return json(admin.getTimings());
      case "GET /_emulator/stats":
        return json(admin.stats());
      case "POST /_emulator/stats/reset":
        admin.resetStats();
        return json(admin.stats());
      case "GET /_emulator/instances":
        return json(admin.listInstances());
      case "POST /_emulator/clock":
        return json(admin.setClock(parseOptions(ClockChange, parseJson(rawBody), "clock")));
      case "POST /_emulator/invites/accept": {
        const body = parseJson(rawBody) as { email?: unknown };
        if (typeof body?.email !== "string") throw new InvalidOptionsError("email: required, a string", ["email"]);
        return json({ teams: admin.acceptInvites(body.email) });
      }
      case "DELETE /_emulator/containers":
        return json({ removed: await admin.removeContainers() });
      default:
        return json({ success: false, error: "not_found", msg: `${route} is not an admin route` }, 404);
    }
  } catch (error) {
    if (error instanceof InvalidOptionsError) {
      return json({ success: false, error: "invalid_args", msg: error.message, paths: error.paths }, 400);
    }
    if (error instanceof ApiError) return json(error.body, error.status);
    throw error;
  }
}
