/**
 * TLS (instance-runtime.md §6): the usability predicate, self-signed
 * generation, and the front's TLS listener with its same-port redirect.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { checkCertificateFiles, checkCertificatePair, ensureCertificatePair, generateSelfSignedPair } from "../../portal/tls.ts";
import { get, rawExchange, startEchoBackend, startFront } from "./_helpers.ts";

async function tempDir(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "portal-tls-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

const pairA = await generateSelfSignedPair();
const pairB = await generateSelfSignedPair();
const expired = await generateSelfSignedPair({ notBefore: new Date(Date.now() - 400 * 86_400_000), days: 30 });

test("a generated pair is usable, RSA 2048, CN jupyter.vast.ai with SAN IP:0.0.0.0, valid 365 days", () => {
  assert.equal(checkCertificatePair(pairA.cert, pairA.key).status, "usable");
  const x = new X509Certificate(pairA.cert);
  assert.match(x.subject, /CN=jupyter\.vast\.ai/);
  assert.match(x.subjectAltName ?? "", /IP Address:0\.0\.0\.0/);
  assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  assert.ok(days > 364 && days < 366, String(days));
});

test("the predicate rejects a mismatched pair, empty input, garbage and encrypted keys", () => {
  assert.deepEqual(checkCertificatePair(pairA.cert, pairB.key), { status: "unusable", reason: "key does not match certificate" });
  assert.equal(checkCertificatePair("", "").status, "unusable");
  assert.deepEqual(checkCertificatePair("<html>error</html>", pairA.key), { status: "unusable", reason: "certificate does not parse" });
  assert.equal(checkCertificatePair(pairA.cert, "nope").status, "unusable");
  assert.equal(checkCertificatePair(expired.cert, expired.key).status, "expired");
});

test("the predicate is key-type agnostic: an EC pair is compared by SubjectPublicKeyInfo", async () => {
  const { generateKeyPairSync } = await import("node:crypto");
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecPem = ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  assert.deepEqual(checkCertificatePair(pairA.cert, ecPem), { status: "unusable", reason: "key does not match certificate" });
});

test("ensureCertificatePair generates and writes a pair when none exists (key 0600, cert 0644)", async (t) => {
  const dir = await tempDir(t);
  const certPath = path.join(dir, "instance.crt");
  const keyPath = path.join(dir, "instance.key");
  const got = await ensureCertificatePair({ certPath, keyPath });
  assert.equal(got.source, "generated");
  assert.equal((await checkCertificateFiles(certPath, keyPath)).status, "usable");
  assert.equal((await fs.stat(keyPath)).mode & 0o777, 0o600);
  assert.equal((await fs.stat(certPath)).mode & 0o777, 0o644);
  assert.equal((await ensureCertificatePair({ certPath, keyPath })).source, "existing");
});

test("ensureCertificatePair replaces a mismatched pair, serves an expired matching one, and regenerates it in strict mode", async (t) => {
  const dir = await tempDir(t);
  const certPath = path.join(dir, "instance.crt");
  const keyPath = path.join(dir, "instance.key");
  await fs.writeFile(certPath, pairA.cert);
  await fs.writeFile(keyPath, pairB.key);
  const replaced = await ensureCertificatePair({ certPath, keyPath });
  assert.equal(replaced.source, "generated");
  assert.notEqual(replaced.cert, pairA.cert);
  await fs.writeFile(certPath, expired.cert);
  await fs.writeFile(keyPath, expired.key);
  const lines: string[] = [];
  const served = await ensureCertificatePair({ certPath, keyPath, log: (l) => lines.push(l) });
  assert.equal(served.source, "existing-expired");
  assert.equal(served.cert, expired.cert);
  assert.match(lines[0] ?? "", /has expired \(key still matches\)/);
  assert.equal((await ensureCertificatePair({ certPath, keyPath, mode: "strict" })).source, "generated");
});

test("the TLS front serves https, and an expired but matching pair is still served", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port, { tls: pairA });
  const r = await get(port, "/x", { tls: true, headers: { Authorization: "Bearer pw-secret" } });
  assert.equal(r.status, 200);
  assert.equal(backend.seen[0]?.headers["x-forwarded-proto"], "https");
  const old = await startFront(t, backend.port, { tls: expired });
  const peer = await new Promise<X509Certificate>((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port: old, rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(s.getPeerCertificate(true).raw));
      s.end();
    });
    s.on("error", reject);
  });
  assert.ok(Date.parse(peer.validTo) < Date.now());
});

test("the TLS front chooses AES-128-GCM over a client's AES-256-GCM first preference, and still speaks TLS 1.2", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port, { tls: pairA });
  const negotiate = (options: tls.ConnectionOptions) =>
    new Promise<{ name: string; version: string }>((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...options }, () => {
        resolve(s.getCipher());
        s.end();
      });
      s.on("error", reject);
    });
  // Node's client default, like OpenSSL's, lists AES-256-GCM first.
  assert.match(tls.DEFAULT_CIPHERS, /^TLS_AES_256_GCM_SHA384:/);
  assert.deepEqual(await negotiate({}), {
    name: "TLS_AES_128_GCM_SHA256",
    standardName: "TLS_AES_128_GCM_SHA256",
    version: "TLSv1.3",
  });
  // A client with AES-256 only still gets it.
  assert.equal((await negotiate({ ciphers: "TLS_AES_256_GCM_SHA384" })).name, "TLS_AES_256_GCM_SHA384");
  assert.equal((await negotiate({ maxVersion: "TLSv1.2" })).version, "TLSv1.2");
});

test("plain HTTP on the TLS port is redirected to https on the same port", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port, { tls: pairA });
  const r = await get(port, "/lab?x=1", { headers: { Host: `203.0.113.5:${port}` } });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://203.0.113.5:${port}/lab?x=1`);
  assert.equal(backend.seen.length, 0);
});

test("HTTPS to a plain port fails the handshake", async (t) => {
  const backend = await startEchoBackend(t);
  const port = await startFront(t, backend.port);
  await assert.rejects(get(port, "/", { tls: true }));
  // And the plain port still works afterwards.
  assert.match(await rawExchange(port, "GET /portal-resolver HTTP/1.1\r\nHost: x\r\n\r\n", 300), /^HTTP\/1\.1 200/);
});
