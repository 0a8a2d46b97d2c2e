/**
 * The portal's static files (landing page, not-ready page). They are located
 * relative to this module, which sits at the root of `portal/`, so the same
 * lookup works from source and from a bundle placed next to a copy of
 * `portal/static/` (the image ships `/opt/portal/main.js` + `/opt/portal/static/`).
 * @module
 */
import { readFileSync } from "node:fs";

/** The folder holding the static files. */
export const STATIC_DIR = new URL("./static/", import.meta.url);

/** Read one static file (called once at start-up per file; the result is cached by the caller). */
export function readAsset(name: string): Buffer {
  return readFileSync(new URL(name, STATIC_DIR));
}
