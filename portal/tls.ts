/**
 * The instance certificate pair: the usability predicate of
 * instance-runtime.md §6.2 (ADR 0026) and self-signed generation (§6.1).
 * Used by the portal's TLS listeners and by the entrypoint's boot step.
 * @module
 */
import fs from "node:fs/promises";
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { InstancePaths, instancePath } from "./paths.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import type { pki } from "node-forge";

/**
 * Verdict of {@link checkCertificatePair}, mirroring `cert-usable`'s exit codes:
 * `usable` = 0, `expired` = 3 (key still matches), `unusable` = 1 with a reason.
 */
export type CertificateVerdict =
  | { readonly status: "usable"; readonly notAfter: Date }
  | { readonly status: "expired"; readonly notAfter: Date }
  | { readonly status: "unusable"; readonly reason: string };

/**
 * The §6.2 predicate on PEM text: both present, cert parses, key parses without
 * a passphrase, and the two SubjectPublicKeyInfo encodings are identical
 * (key-type agnostic). Expired (notAfter ≤ now) is a separate verdict;
 * notBefore is not checked because host clocks are unreliable.
 */
export function checkCertificatePair(certPem: string, keyPem: string, now: Date = new Date()): CertificateVerdict {
  if (certPem.trim() === "") return { status: "unusable", reason: "certificate is empty" };
  if (keyPem.trim() === "") return { status: "unusable", reason: "key is empty" };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { status: "unusable", reason: "certificate does not parse" };
  }
  let keySpki: Buffer;
  try {
    keySpki = createPublicKey(createPrivateKey({ key: keyPem, passphrase: "" })).export({ type: "spki", format: "der" });
  } catch {
    return { status: "unusable", reason: "key does not parse (or is encrypted)" };
  }
  const certSpki = cert.publicKey.export({ type: "spki", format: "der" });
  if (!certSpki.equals(keySpki)) return { status: "unusable", reason: "key does not match certificate" };
  const notAfter = new Date(cert.validTo);
  if (!(notAfter.getTime() > now.getTime())) return { status: "expired", notAfter };
  return { status: "usable", notAfter };
}

/** {@link checkCertificatePair} on two files; a missing file is `unusable`. */
export async function checkCertificateFiles(certPath: string, keyPath: string, now?: Date): Promise<CertificateVerdict> {
  const [cert, key] = await Promise.all([readOrEmpty(certPath), readOrEmpty(keyPath)]);
  if (cert === undefined) return { status: "unusable", reason: `${certPath} is missing` };
  if (key === undefined) return { status: "unusable", reason: `${keyPath} is missing` };
  return checkCertificatePair(cert, key, now);
}

/** Options of {@link generateSelfSignedPair}. */
export interface SelfSignedOptions {
  /** Subject common name. Defaults to `jupyter.vast.ai` (§6.1). */
  readonly commonName?: string;
  /** Validity in days. Defaults to 365. */
  readonly days?: number;
  /** Start of validity. Defaults to now. */
  readonly notBefore?: Date;
}

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/**
 * A self-signed RSA-2048 pair shaped like §6.1's openssl fallback: subject
 * C=US/ST=CA/CN=jupyter.vast.ai, SAN IP:0.0.0.0, CA:FALSE, sha256.
 * The key comes from node:crypto (native, fast); node-forge builds and signs the certificate.
 * node-forge is imported on first use: it is large, and a running portal rarely needs it.
 */
export async function generateSelfSignedPair(options: SelfSignedOptions = {}): Promise<CertificatePair> {
  const { default: forge } = await import("node-forge");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()) as pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  // A positive random serial: the leading 0 nibble keeps the DER integer positive.
  cert.serialNumber = `0${randomBytes(15).toString("hex")}`;
  const notBefore = options.notBefore ?? new Date();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + (options.days ?? 365) * 86_400_000);
  const subject = [
    { name: "countryName", value: "US" },
    { name: "stateOrProvinceName", value: "CA" },
    { name: "commonName", value: options.commonName ?? "jupyter.vast.ai" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, keyEncipherment: true },
    { name: "subjectAltName", altNames: [{ type: 7, ip: "0.0.0.0" }] },
  ]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

/** Options of {@link ensureCertificatePair}. */
export interface EnsureCertificateOptions {
  /** Certificate path. Defaults to `/etc/instance.crt` under the instance root. */
  readonly certPath?: string;
  /** Key path. Defaults to `/etc/instance.key` under the instance root. */
  readonly keyPath?: string;
  /**
   * `serve` (the proxy, the default) keeps an expired pair whose key still
   * matches rather than drop to plaintext; `strict` (boot) regenerates it (§6.2).
   */
  readonly mode?: "serve" | "strict";
  /** Receives one line per decision. Defaults to nothing. */
  readonly log?: (line: string) => void;
  /** Clock for the expiry rule. Defaults to now. */
  readonly now?: Date;
}

/** Result of {@link ensureCertificatePair}. */
export interface EnsuredCertificate extends CertificatePair {
  /** `existing` (usable), `existing-expired` (served anyway in `serve` mode), or `generated`. */
  readonly source: "existing" | "existing-expired" | "generated";
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * Load `/etc/instance.crt` + `/etc/instance.key` when usable, else generate a
 * self-signed pair and write it atomically (key 0600 first, then cert 0644),
 * so a crash between the two leaves a mismatched pair that the next call regenerates.
 */
export async function ensureCertificatePair(options: EnsureCertificateOptions = {}): Promise<EnsuredCertificate> {
  const certPath = options.certPath ?? instancePath(InstancePaths.certificate);
  const keyPath = options.keyPath ?? instancePath(InstancePaths.privateKey);
  const log = options.log ?? (() => {});
  const [cert, key] = await Promise.all([readOrEmpty(certPath), readOrEmpty(keyPath)]);
  if (cert !== undefined && key !== undefined) {
    const verdict = checkCertificatePair(cert, key, options.now);
    if (verdict.status === "usable") return { cert, key, source: "existing", certPath, keyPath };
    if (verdict.status === "expired" && (options.mode ?? "serve") === "serve") {
      log(`tls: ${certPath} has expired (key still matches); serving it anyway`);
      return { cert, key, source: "existing-expired", certPath, keyPath };
    }
    log(`tls: ${certPath} unusable (${verdict.status === "expired" ? "expired" : verdict.reason}); generating a self-signed pair`);
  } else {
    log(`tls: no certificate pair at ${certPath}; generating a self-signed pair`);
  }
  const pair = await generateSelfSignedPair();
  await writeFileAtomic(keyPath, pair.key, 0o600);
  await writeFileAtomic(certPath, pair.cert, 0o644);
  return { ...pair, source: "generated", certPath, keyPath };
}

async function readOrEmpty(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}
