/**
 * The API's documented rate limits (vast-api.md §5.1, vast-api-more.md §7), enforced by default.
 *
 * Vast documents a `threshold` per endpoint but not its unit, and says limits are "a minimum
 * interval between requests, with some method-specific and burst limits on top". The emulator
 * reads a threshold T as a sustained T requests per second for one identity (API key and client
 * IP together), with a burst of max(2, ⌈T⌉) requests: a token bucket per endpoint and identity.
 * The offer search is "10 requests per minute per IP": a bucket of 10 refilled at one per 6 s.
 * The create's "penalty 12" is read as: a refused create costs 12 more tokens (the bucket goes
 * at most 12 below empty), so a client that hammers through 429s stays locked out longer.
 */

/** How one endpoint is limited. */
interface Limit {
  /** As Vast prints it in the 429 body. */
  threshold: string;
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: how many requests may come back to back. */
  burst: number;
  /** Extra tokens a refused request costs. */
  penalty: number;
  /** `ip`: keyed by client address only, like the offer search. */
  identity: "key-and-ip" | "ip";
}

function perSecond(threshold: number, penalty = 0): Limit {
  return {
    threshold: threshold.toFixed(1),
    perSecond: threshold,
    burst: Math.max(2, Math.ceil(threshold)),
    penalty,
    identity: "key-and-ip",
  };
}

const offerSearch: Limit = { threshold: "10/min", perSecond: 10 / 60, burst: 10, penalty: 0, identity: "ip" };

/** The documented limits by endpoint key; endpoints not listed here are not limited. */
export const DOCUMENTED_LIMITS: Readonly<Record<string, Limit>> = {
  "POST /api/v0/bundles": offerSearch,
  "PUT /api/v0/search/asks": offerSearch,
  "POST /api/v0/volumes/search": offerSearch,
  "PUT /api/v0/asks/:id": perSecond(4.5, 12),
  "GET /api/v0/instances/:id": perSecond(2.0),
  "GET /api/v1/instances": perSecond(1.0),
  "PUT /api/v0/instances/:id": perSecond(1.0),
  "PUT /api/v0/instances/reboot/:id": perSecond(1.0),
  "PUT /api/v0/instances/recycle/:id": perSecond(1.0),
  "DELETE /api/v0/instances/:id": perSecond(3.0),
  "PUT /api/v0/instances": perSecond(2.0),
  "GET /api/v0/template": perSecond(3.0),
  "POST /api/v0/ssh": perSecond(1.0),
  "DELETE /api/v0/instances/:id/ssh/:keyId": perSecond(2.0),
  "POST /api/v0/secrets": perSecond(3.0),
  "PUT /api/v0/secrets": perSecond(3.0),
  "DELETE /api/v0/secrets": perSecond(3.0),
  "GET /api/v0/secrets": perSecond(5.0),
  "GET /api/v0/volumes": perSecond(5.5),
  "PUT /api/v0/volumes": perSecond(5.5),
  "DELETE /api/v0/volumes": perSecond(5.5),
  "GET /api/v0/charges": perSecond(1.0),
  // Serverless (vast-api-more.md §7); the workergroup's documented twin path shares its numbers.
  "POST /api/v0/endptjobs": perSecond(4),
  "GET /api/v0/endptjobs": perSecond(3.0),
  "PUT /api/v0/endptjobs/:id": perSecond(2.0),
  "DELETE /api/v0/endptjobs/:id": perSecond(3.0),
  "POST /api/v0/autojobs": perSecond(4.0),
  "GET /api/v0/autojobs": perSecond(2.0),
  "PUT /api/v0/autojobs/:id": perSecond(2.0),
  "DELETE /api/v0/autojobs/:id": perSecond(3.0),
  "POST /api/v0/workergroups": perSecond(4.0),
  "GET /api/v0/workergroups": perSecond(2.0),
  "PUT /api/v0/workergroups/:id": perSecond(2.0),
  "DELETE /api/v0/workergroups/:id": perSecond(3.0),
  // "10 per minute per IP" (old docs); the rent is taken to share the volume rent's 5.5 (vast-api-more.md §7).
  "POST /api/v0/network_volumes/search": offerSearch,
  "PUT /api/v0/network_volumes": perSecond(5.5),
  // vast-api-more.md §7; team, role-create, cluster and overlay calls have no documented threshold.
  "POST /api/v0/auth/apikeys": perSecond(2.0),
  "GET /api/v0/auth/apikeys": perSecond(1.0),
  "DELETE /api/v0/auth/apikeys/:id": perSecond(2.0),
  "POST /api/v0/users": perSecond(3.0),
  "GET /api/v0/subaccounts": perSecond(2.1),
  "DELETE /api/v0/team/members/:id": perSecond(3.0),
  "DELETE /api/v0/team/roles/:name": perSecond(3.0),
};

/** The `threshold=` Vast prints for an endpoint (2.0 where none is documented). */
export function thresholdOf(endpoint: string): string {
  return DOCUMENTED_LIMITS[endpoint]?.threshold ?? "2.0";
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets per endpoint and identity. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #enabled: boolean;

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Turns enforcement on or off; buckets start full again either way. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    this.#buckets.clear();
  }

  /**
   * Takes a token for one request, or returns the threshold to print in a 429 when the bucket is
   * empty. `key` is the presented API key (or undefined), `ip` the client address.
   */
  take(endpoint: string, key: string | undefined, ip: string, now: number): string | null {
    const limit = this.#enabled ? DOCUMENTED_LIMITS[endpoint] : undefined;
    if (!limit) return null;
    const id = `${endpoint}\0${ip}\0${limit.identity === "ip" ? "" : (key ?? "")}`;
    const bucket = this.#buckets.get(id) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.#buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    bucket.tokens = Math.max(-limit.penalty, bucket.tokens - limit.penalty);
    return limit.threshold;
  }
}
