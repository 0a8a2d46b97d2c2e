/**
 * Every row of instance-runtime.md §3.5, through a real front driven
 * in-process (Node's HTTP parser and writer, no client socket) in front of an
 * echo backend on loopback. TLS, WebSockets and raw framing are tested over
 * sockets in tls.test.ts, proxy.test.ts and attacks.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FailureLimiter } from "../../portal/rate-limit.ts";
import { freePort, get, startEchoBackend, startFrontInProcess } from "./_helpers.ts";

const COOKIE_OBT = "C.42_auth_token=obt-secret; Path=/; Max-Age=604800; HttpOnly; SameSite=lax";
const COOKIE_PW = "C.42_auth_token=pw-secret; Path=/; Max-Age=604800; HttpOnly; SameSite=lax";
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

test("a request without credentials gets 401 with the basic challenge and an empty body", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  const r = await get(front, "/lab");
  assert.equal(r.status, 401);
  assert.equal(r.headers["www-authenticate"], 'Basic realm="restricted"');
  assert.equal(r.body, "");
  assert.equal(backend.seen.length, 0);
});

test("a valid token on a browser navigation redirects without the token and sets the OBT cookie", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const headers of [{ Accept: "text/html,application/xhtml+xml" }, { "Sec-Fetch-Dest": "document" }] as Record<string, string>[]) {
    for (const token of ["obt-secret", "pw-secret"]) {
      const r = await get(front, `/tree?a=1&token=${token}&b=2`, { headers });
      assert.equal(r.status, 302);
      assert.equal(r.headers.location, "/tree?a=1&b=2");
      assert.deepEqual(r.headers["set-cookie"], [COOKIE_OBT]);
    }
  }
  const bare = await get(front, "/?token=obt-secret", { headers: { Accept: "text/html" } });
  assert.equal(bare.headers.location, "/");
  assert.equal(backend.seen.length, 0);
});

test("a valid token from an API client is proxied with the token stripped and the cookie set", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  const r = await get(front, "/api/status?token=pw-secret&x=1", { headers: { Accept: "application/json, text/plain, */*" } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers["set-cookie"], [COOKIE_OBT]);
  assert.equal(backend.seen[0]?.url, "/api/status?x=1");
  const only = await get(front, "/p?token=obt-secret");
  assert.equal(only.status, 200);
  assert.equal(backend.seen[1]?.url, "/p");
});

test("a wrong token gets 401", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const token of ["wrong", "obt-secre", "obt-secretX", "", "OBT-SECRET"]) {
    const r = await get(front, `/?token=${token}`, { headers: { Accept: "text/html" } });
    assert.equal(r.status, 401, token);
  }
  assert.equal(backend.seen.length, 0);
});

test("the auth cookie is accepted and never forwarded; other cookies are", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const value of ["obt-secret", "pw-secret"]) {
    const r = await get(front, "/x", { headers: { Cookie: `theme=dark; C.42_auth_token=${value}; _xsrf=abc` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers["set-cookie"], undefined);
  }
  assert.equal(backend.seen[0]?.headers.cookie, "theme=dark; _xsrf=abc");
  const alone = await get(front, "/x", { headers: { Cookie: "C.42_auth_token=obt-secret" } });
  assert.equal(alone.status, 200);
  assert.equal(backend.seen[2]?.headers.cookie, undefined);
});

test("a fake cookie value or a wrong cookie name gets 401", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const cookie of [
    "C.42_auth_token=nope",
    "C.43_auth_token=obt-secret",
    "xC.42_auth_token=obt-secret",
    "C.42_auth_token=obt-secretX",
    "auth=C.42_auth_token=obt-secret",
  ]) {
    assert.equal((await get(front, "/x", { headers: { Cookie: cookie } })).status, 401, cookie);
  }
});

test("a bearer token is accepted and not forwarded; a wrong bearer gets 401", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const token of ["pw-secret", "obt-secret"]) {
    const r = await get(front, "/v1/models", { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
  }
  assert.equal(backend.seen[0]?.headers.authorization, undefined);
  for (const auth of ["Bearer wrong", "bearer pw-secret", "Bearer  pw-secret", "Bearer pw-secret2", "Token pw-secret"]) {
    assert.equal((await get(front, "/v1/models", { headers: { Authorization: auth } })).status, 401, auth);
  }
});

test("basic auth with WEB_USERNAME and WEB_PASSWORD is proxied with the WEB_PASSWORD cookie", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  const r = await get(front, "/", { headers: { Authorization: basic("vastai", "pw-secret") } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers["set-cookie"], [COOKIE_PW]);
  assert.equal(backend.seen[0]?.headers.authorization, undefined);
  for (const [user, pass] of [
    ["vastai", "wrong"],
    ["root", "pw-secret"],
    ["vastai", "obt-secret"],
    ["", "pw-secret"],
    ["vastai", ""],
  ]) {
    assert.equal(
      (await get(front, "/", { headers: { Authorization: basic(user as string, pass as string) } })).status,
      401,
      `${user}:${pass}`,
    );
  }
});

test("without WEB_PASSWORD the open button token is the basic-auth password", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port, { auth: { password: "obt-secret", username: "me" } });
  assert.equal((await get(front, "/", { headers: { Authorization: basic("me", "obt-secret") } })).status, 200);
});

test("no-auth paths are proxied without credentials, but only in canonical form", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const path of [
    "/manifest.json",
    "/manifest.webmanifest",
    "/site.webmanifest",
    "/security.txt",
    "/.well-known/security.txt",
    "/.well-known/change-password",
    "/.well-known/acme-challenge/abc",
  ]) {
    assert.equal((await get(front, path)).status, 200, path);
  }
  for (const path of [
    "/.well-known/acme-challenge/../../secret",
    "/.well-known/acme-challenge/%2e%2e/secret",
    "/.well-known/acme-challenge//x/../../y",
    "/manifest.json/",
    "/manifest.json/../admin",
    "//manifest.json",
  ]) {
    assert.equal((await get(front, path)).status, 401, path);
  }
});

test("/portal-resolver answers 200 with CORS and no auth, even with the backend down", async (t) => {
  const front = startFrontInProcess(t, await freePort());
  const r = await get(front, "/portal-resolver?t=123");
  assert.equal(r.status, 200);
  assert.equal(r.headers["access-control-allow-origin"], "*");
  assert.equal(r.headers["access-control-allow-methods"], "GET, OPTIONS");
  assert.equal(r.headers["access-control-allow-headers"], "*");
  assert.equal((await get(front, "/portal-resolver", { method: "OPTIONS" })).status, 200);
});

test("a backend that refuses gets the not-ready page: 502, or 200 with Cf-Ray, marker and no-store", async (t) => {
  const front = startFrontInProcess(t, await freePort());
  const auth = { Authorization: "Bearer pw-secret" };
  const r = await get(front, "/", { headers: auth });
  assert.equal(r.status, 502);
  assert.equal(r.headers["x-portal-placeholder"], "true");
  assert.equal(r.headers["cache-control"], "no-store");
  assert.match(r.body, /Loading: Check instance logs for progress/);
  const cf = await get(front, "/", { headers: { ...auth, "Cf-Ray": "8a1b2c3d4e5f-LHR" } });
  assert.equal(cf.status, 200);
  assert.equal(cf.headers["x-portal-placeholder"], "true");
  const head = await get(front, "/", { method: "HEAD", headers: auth });
  assert.equal(head.status, 502);
  assert.equal(head.body, "");
});

test("a backend's own 5xx passes through untouched and its placeholder marker is stripped", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  for (const status of [500, 502, 503, 504]) {
    const r = await get(front, `/status/${status}`, { headers: { Authorization: "Bearer pw-secret", "Cf-Ray": "x" } });
    assert.equal(r.status, status);
    assert.equal(r.headers["x-portal-placeholder"], undefined);
    assert.equal(JSON.parse(r.body).url, `/status/${status}`);
  }
});

test("an AUTH_EXCLUDE port and ENABLE_AUTH=false proxy without auth, and show the not-ready page when down", async (t) => {
  const backend = await startEchoBackend(t);
  const excluded = startFrontInProcess(t, backend.port, { external: 8384, auth: { excludedPorts: new Set([8384]) } });
  assert.equal((await get(excluded, "/rest/system")).status, 200);
  const other = startFrontInProcess(t, backend.port, { external: 8080, auth: { excludedPorts: new Set([8384]) } });
  assert.equal((await get(other, "/rest/system")).status, 401);
  const disabled = startFrontInProcess(t, backend.port, { auth: { enabled: false } });
  assert.equal((await get(disabled, "/anything?token=zzz")).status, 200);
  assert.equal(backend.seen.at(-1)?.url, "/anything?token=zzz");
  const down = startFrontInProcess(t, await freePort(), { auth: { enabled: false } });
  const r = await get(down, "/");
  assert.equal(r.status, 502);
  assert.equal(r.headers["x-portal-placeholder"], "true");
  assert.equal((await get(down, "/portal-resolver")).status, 200);
});

test("forwarding headers: Host is the upstream, proto follows cf-visitor, real IP follows cf-connecting-ip", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  const auth = { Authorization: "Bearer pw-secret" };
  await get(front, "/", { headers: { ...auth, Host: "example.test:40000", "X-Real-IP": "6.6.6.6" } });
  let h = backend.seen[0]?.headers;
  assert.equal(h?.host, `localhost:${backend.port}`);
  assert.equal(h?.["x-forwarded-proto"], "http");
  assert.equal(h?.["x-real-ip"], "127.0.0.1");
  assert.equal(h?.["x-forwarded-host"], "example.test:40000");
  assert.equal(h?.["x-forwarded-for"], "127.0.0.1");
  await get(front, "/", {
    headers: { ...auth, "cf-visitor": '{"scheme":"https"}', "cf-connecting-ip": "203.0.113.9", "X-Forwarded-For": "203.0.113.9" },
  });
  h = backend.seen[1]?.headers;
  assert.equal(h?.["x-forwarded-proto"], "https");
  assert.equal(h?.["x-real-ip"], "203.0.113.9");
  assert.equal(h?.["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
});

test("CADDY_HEADER_UP_LOCALHOST sends Host and Origin for localhost", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port, { front: { headerUpLocalhost: true } });
  await get(front, "/", { headers: { Authorization: "Bearer pw-secret", Origin: "https://evil.test" } });
  assert.equal(backend.seen[0]?.headers.host, `localhost:${backend.port}`);
  assert.equal(backend.seen[0]?.headers.origin, `http://localhost:${backend.port}`);
});

test("failed attempts are limited per client, and other clients are not slowed", async (t) => {
  const backend = await startEchoBackend(t);
  const limiter = new FailureLimiter({ burst: 3, refillMs: 60_000 });
  const front = startFrontInProcess(t, backend.port, { limiter });
  const attacker = { "cf-connecting-ip": "198.51.100.1" };
  for (let i = 0; i < 3; i++) assert.equal((await get(front, "/?token=guess", { headers: attacker })).status, 401);
  const limited = await get(front, "/?token=obt-secret", { headers: attacker });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers["retry-after"]) > 0);
  const other = await get(front, "/?token=obt-secret", { headers: { "cf-connecting-ip": "198.51.100.2" } });
  assert.equal(other.status, 200);
  // A visitor with no credentials at all is not counted.
  assert.equal((await get(front, "/", { headers: { "cf-connecting-ip": "198.51.100.3" } })).status, 401);
});

test("CADDY_CORS_ALLOWED_* headers are added to authenticated responses unless the backend set them", async (t) => {
  const backend = await startEchoBackend(t);
  const cors = ["Access-Control-Allow-Origin", "https://app.example", "Access-Control-Allow-Methods", "GET", "Content-Type", "text/evil"];
  const front = startFrontInProcess(t, backend.port, { front: { cors } });
  const r = await get(front, "/x", { headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(r.headers["access-control-allow-origin"], "https://app.example");
  assert.equal(r.headers["access-control-allow-methods"], "GET");
  assert.equal(r.headers["content-type"], "application/json");
  const open = startFrontInProcess(t, backend.port, { front: { cors }, auth: { enabled: false } });
  assert.equal((await get(open, "/x")).headers["access-control-allow-origin"], undefined);
});

test("our credentials never go upstream, whichever credential let the request in", async (t) => {
  const backend = await startEchoBackend(t);
  const front = startFrontInProcess(t, backend.port);
  await get(front, "/a?token=obt-secret&keep=1", { headers: { Cookie: "C.42_auth_token=pw-secret", Authorization: "Bearer obt-secret" } });
  await get(front, "/manifest.json?token=pw-secret", {
    headers: { Authorization: `Basic ${Buffer.from("vastai:pw-secret").toString("base64")}` },
  });
  await get(front, "/b?token=jupyter-own-token", { headers: { Cookie: "C.42_auth_token=obt-secret", Authorization: "token jupyter-own" } });
  const [a, manifest, b] = backend.seen;
  assert.equal(a?.url, "/a?keep=1");
  assert.equal(a?.headers.authorization, undefined);
  assert.equal(manifest?.url, "/manifest.json");
  assert.equal(manifest?.headers.authorization, undefined);
  // Credentials that are not ours belong to the backend and pass through.
  assert.equal(b?.url, "/b?token=jupyter-own-token");
  assert.equal(b?.headers.authorization, "token jupyter-own");
  const open = startFrontInProcess(t, backend.port, { auth: { enabled: false } });
  await get(open, "/c?token=pw-secret&x=1", { headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(backend.seen.at(-1)?.url, "/c?x=1");
  assert.equal(backend.seen.at(-1)?.headers.authorization, undefined);
});
