/**
 * The auth edge of instance-runtime.md §3.4 and the behaviour table of §3.5:
 * no-auth paths, token query (302 for browser navigations, served otherwise),
 * the `<LABEL>_auth_token` cookie, `Authorization: Bearer`, and basic auth.
 * Secrets are compared in constant time through fixed-length digests.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthSettings } from "./config.ts";
import type { RequestTarget } from "./proxy/request-target.ts";
import { extractTokenParams } from "./proxy/request-target.ts";
import type { FailureLimiter } from "./rate-limit.ts";

/** Paths proxied without auth (§3.3 `@noauth`); `/portal-resolver` is answered by the front itself. */
const NOAUTH_EXACT = new Set([
  "/.well-known/change-password",
  "/manifest.json",
  "/manifest.webmanifest",
  "/site.webmanifest",
  "/.well-known/security.txt",
  "/security.txt",
]);
const NOAUTH_PREFIX = "/.well-known/acme-challenge/";

/** Which credential let a request through. */
export type Credential = "disabled" | "noauth" | "token" | "cookie" | "bearer" | "basic";

/** What the front does with a request after auth. */
export type AuthDecision =
  | {
      readonly action: "proxy";
      readonly credential: Credential;
      /** Query to forward (the `token` parameters removed when they were ours). */
      readonly query: string | undefined;
      /** `Set-Cookie` to add to the response, if any. */
      readonly setCookie: string | undefined;
      /** True when `Authorization` carried our credential and must not go upstream. */
      readonly stripAuthorization: boolean;
    }
  | { readonly action: "redirect"; readonly location: string; readonly setCookie: string }
  | { readonly action: "deny" }
  | { readonly action: "limited"; readonly retryAfterSeconds: number };

/** Inputs of {@link Authenticator.decide}. */
export interface AuthRequest {
  readonly target: RequestTarget;
  readonly headers: IncomingHttpHeaders;
  /** The client key for the failure limiter (see the front's `clientKey`). */
  readonly client: string;
  /** The external port the request arrived on, for `AUTH_EXCLUDE`. */
  readonly port: number;
}

const digest = (value: string) => createHash("sha256").update(value).digest();
const BASIC = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i;

/** Decides each request per §3.5; one instance per portal, shared by all fronts. */
export class Authenticator {
  readonly #settings: AuthSettings;
  readonly #limiter: FailureLimiter | undefined;
  readonly #tokens: readonly Buffer[];
  readonly #password: Buffer;
  readonly #username: Buffer;
  readonly #bearers: readonly Buffer[];
  readonly #tokenCookie: string;
  readonly #basicCookie: string;

  constructor(settings: AuthSettings, limiter?: FailureLimiter) {
    this.#settings = settings;
    this.#limiter = limiter;
    this.#tokens = [digest(settings.password), digest(settings.openButtonToken)];
    this.#password = digest(settings.password);
    this.#username = digest(settings.username);
    this.#bearers = [digest(`Bearer ${settings.password}`), digest(`Bearer ${settings.openButtonToken}`)];
    const attrs = "Path=/; Max-Age=604800; HttpOnly; SameSite=lax";
    // §3.4 notes: the token route's cookie carries OPEN_BUTTON_TOKEN, the basic-auth route's WEB_PASSWORD.
    this.#tokenCookie = `${settings.cookieName}=${settings.openButtonToken}; ${attrs}`;
    this.#basicCookie = `${settings.cookieName}=${settings.password}; ${attrs}`;
  }

  /** The auth cookie's name, so the front can strip it before forwarding. */
  get cookieName(): string {
    return this.#settings.cookieName;
  }

  /** True when requests on `port` are checked at all (§3.4 6a vs 6b). */
  protects(port: number): boolean {
    return this.#settings.enabled && !this.#settings.excludedPorts.has(port);
  }

  /**
   * Decide one request (§3.5, in Caddy's route order). Whatever lets the
   * request through, our own credentials never go upstream: `token`
   * parameters holding one of our tokens and an `Authorization` header
   * holding our bearer or basic credentials are removed.
   */
  decide(req: AuthRequest): AuthDecision {
    const { target, headers } = req;
    const authorization = headers.authorization;
    if (!this.protects(req.port)) return this.#proxy("disabled", target.query, authorization);
    if (target.canonical && (NOAUTH_EXACT.has(target.path) || target.path.startsWith(NOAUTH_PREFIX))) {
      return this.#proxy("noauth", target.query, authorization);
    }
    const { tokens, rest } = extractTokenParams(target.query);
    const cookieValues = this.#cookieValues(headers.cookie);
    const presented = tokens.length > 0 || cookieValues.length > 0 || authorization !== undefined;
    if (presented && this.#limiter !== undefined) {
      const wait = this.#limiter.retryAfterMs(req.client);
      if (wait > 0) return { action: "limited", retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    const ours = authorization !== undefined && this.#isOurAuthorization(authorization);
    // Caddy reads the first `token` value ({http.request.uri.query.token}).
    const first = tokens[0];
    if (first !== undefined && this.#isToken(first)) {
      const accept = headers.accept ?? "";
      if (accept.includes("text/html") || headers["sec-fetch-dest"] === "document") {
        // A path starting `//` or `/\` would make the Location protocol-relative (an open redirect).
        const local = `/${target.path.replace(/^[/\\]+/, "")}`;
        return { action: "redirect", location: rest === undefined ? local : `${local}?${rest}`, setCookie: this.#tokenCookie };
      }
      return { action: "proxy", credential: "token", query: rest, setCookie: this.#tokenCookie, stripAuthorization: ours };
    }
    if (cookieValues.some((v) => this.#isToken(v))) {
      return {
        action: "proxy",
        credential: "cookie",
        query: this.#withoutOurTokens(target.query),
        setCookie: undefined,
        stripAuthorization: ours,
      };
    }
    if (ours) {
      const basic = !this.#bearers.some((b) => timingSafeEqual(b, digest(authorization as string)));
      return {
        action: "proxy",
        credential: basic ? "basic" : "bearer",
        query: this.#withoutOurTokens(target.query),
        setCookie: basic ? this.#basicCookie : undefined,
        stripAuthorization: true,
      };
    }
    if (presented) this.#limiter?.recordFailure(req.client);
    return { action: "deny" };
  }

  #proxy(credential: Credential, query: string | undefined, authorization: string | undefined): AuthDecision {
    return {
      action: "proxy",
      credential,
      query: this.#withoutOurTokens(query),
      setCookie: undefined,
      stripAuthorization: authorization !== undefined && this.#isOurAuthorization(authorization),
    };
  }

  /** The query without `token` parameters that hold one of our tokens (others may be the backend's, e.g. Jupyter's). */
  #withoutOurTokens(query: string | undefined): string | undefined {
    if (query === undefined || !query.includes("token")) return query;
    const kept = query.split("&").filter((part) => {
      const single = extractTokenParams(part);
      return single.tokens.length === 0 || !this.#isToken(single.tokens[0] as string);
    });
    return kept.length === 0 ? undefined : kept.join("&");
  }

  #isOurAuthorization(authorization: string): boolean {
    const d = digest(authorization);
    let bearer = false;
    for (const b of this.#bearers) bearer = timingSafeEqual(b, d) || bearer;
    return bearer || this.#isBasic(authorization);
  }

  #isToken(value: string): boolean {
    const d = digest(value);
    // Check both without short-circuit so timing does not tell which one matched.
    let ok = false;
    for (const t of this.#tokens) ok = timingSafeEqual(t, d) || ok;
    return ok;
  }

  #isBasic(authorization: string): boolean {
    const match = BASIC.exec(authorization);
    if (match === null) return false;
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const userOk = timingSafeEqual(this.#username, digest(decoded.slice(0, colon)));
    const passOk = timingSafeEqual(this.#password, digest(decoded.slice(colon + 1)));
    return userOk && passOk;
  }

  #cookieValues(header: string | undefined): string[] {
    if (header === undefined) return [];
    const name = this.#settings.cookieName;
    const values: string[] = [];
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      values.push(value);
    }
    return values;
  }
}
