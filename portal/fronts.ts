/**
 * Opening the fronts of instance-runtime.md §3.4 from a plain, cloneable
 * description, which the portal sends to its front process (`front-process.ts`).
 * @module
 */
import { Authenticator } from "./auth.ts";
import type { AuthSettings } from "./config.ts";
import { listenFront } from "./listen.ts";
import type { FrontListener } from "./listen.ts";
import type { PortalApp } from "../contracts/portal-config.ts";
import { createFront } from "./proxy/front.ts";
import type { Front } from "./proxy/front.ts";
import { FailureLimiter } from "./rate-limit.ts";

/** One front to open. */
export interface FrontSpec {
  readonly app: PortalApp;
  readonly headerUpLocalhost: boolean;
  readonly forwardAuthCookie: boolean;
}

/** Everything needed to open the fronts; structured-cloneable, so it can cross the IPC channel. */
export interface FrontSetup {
  readonly specs: readonly FrontSpec[];
  readonly auth: AuthSettings;
  readonly cors: readonly string[] | undefined;
  readonly compress: boolean;
  /** Bind address. */
  readonly host: string;
  /** PEM pair when the fronts speak TLS. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
}

/** A listening front. */
export interface FrontInfo {
  readonly name: string;
  readonly externalPort: number;
  readonly internalPort: number;
  /** The bound port (equal to `externalPort`). */
  readonly port: number;
  readonly tls: boolean;
  /** False when `AUTH_EXCLUDE` or `ENABLE_AUTH=false` leaves it open. */
  readonly auth: boolean;
}

/** The opened fronts. */
export interface OpenFronts {
  readonly infos: readonly FrontInfo[];
  close(): Promise<void>;
}

/** Open every front of `setup`; on failure the ones already open are closed again. */
export async function openFronts(setup: FrontSetup): Promise<OpenFronts> {
  const authenticator = new Authenticator(setup.auth, new FailureLimiter());
  const opened: { front: Front; listener: FrontListener; info: FrontInfo }[] = [];
  const close = async () => {
    await Promise.all(
      opened.map(({ front, listener }) => {
        front.close();
        return listener.close();
      }),
    );
  };
  try {
    for (const spec of setup.specs) {
      const front = createFront({
        app: spec.app,
        authenticator,
        tls: setup.tls !== undefined,
        headerUpLocalhost: spec.headerUpLocalhost,
        forwardAuthCookie: spec.forwardAuthCookie,
        cors: setup.cors,
        compress: setup.compress,
      });
      const listener = await listenFront({
        host: setup.host,
        port: spec.app.external_port,
        tls: setup.tls,
        handleRequest: front.handleRequest,
        handleUpgrade: front.handleUpgrade,
      });
      opened.push({
        front,
        listener,
        info: {
          name: spec.app.name,
          externalPort: spec.app.external_port,
          internalPort: spec.app.internal_port,
          port: listener.port,
          tls: setup.tls !== undefined,
          auth: authenticator.protects(spec.app.external_port),
        },
      });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { infos: opened.map((o) => o.info), close };
}
