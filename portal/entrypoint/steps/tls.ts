/**
 * Step `tls`: make sure /etc/instance.crt and /etc/instance.key are a usable pair, with the same
 * code as the portal's listeners (portal/tls.ts, ADR 0026). Strict at boot: an expired pair is
 * replaced. If no usable pair can be had, HTTPS is turned off for this boot (fail closed, §6.1).
 * @module
 */
import { hostPath, updateEnv } from "../context.ts";
import { PortalError, checkCertificateFiles, ensureCertificatePair } from "../../index.ts";
import { EntrypointErrorCode } from "../errors.ts";
import type { BootStep } from "../step.ts";

/** The `tls` boot step; see the module comment. */
export const tlsStep: BootStep = {
  name: "tls",
  async run(ctx) {
    const certPath = hostPath(ctx, "/etc/instance.crt");
    const keyPath = hostPath(ctx, "/etc/instance.key");
    const httpsWanted = ctx.settings.enableHttps;
    try {
      if (!ctx.flags.generateTlsCert) {
        const verdict = await checkCertificateFiles(certPath, keyPath);
        ctx.log.info(`--no-cert-gen: existing pair is ${verdict.status}`);
        if (verdict.status === "unusable") throw new Error(verdict.reason);
        return;
      }
      const pair = await ensureCertificatePair({ certPath, keyPath, mode: "strict", log: (line) => ctx.log.info(line) });
      ctx.log.info(`certificate pair: ${pair.source}`);
    } catch (err) {
      if (httpsWanted) {
        updateEnv(ctx, { ...ctx.env, ENABLE_HTTPS: "false" });
        ctx.log.error("no usable certificate pair: ENABLE_HTTPS turned off for this boot");
      }
      throw new PortalError(EntrypointErrorCode.tlsFailed, `no usable certificate pair at ${certPath}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  },
};
