/** PORTAL_CONFIG rewrites for the three launch modes (instance-runtime.md §1.2 stage 10, §8.7). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PortalConfigError } from "../../../../contracts/portal-config.ts";
import { adjustPortalConfig } from "../../../../portal/entrypoint/steps/jupyter-mode.ts";

const PORTAL = "localhost:1111:11111:/:Instance Portal";
const JUPYTER = "localhost:8080:18080:/:Jupyter";
const base = { vastTcpPort8080: "8080", launch: undefined, jupyterOverride: false, forceJupyter: true } as const;

test("entrypoint mode keeps a configured Jupyter as it is", () => {
  assert.equal(adjustPortalConfig(`${PORTAL}|${JUPYTER}`, base), `${PORTAL}|${JUPYTER}`);
});

test("entrypoint mode adds Jupyter and its terminal when 8080 is mapped and none is configured", () => {
  assert.equal(adjustPortalConfig(PORTAL, base), `${PORTAL}|${JUPYTER}|localhost:8080:8080:/terminals/1:Jupyter Terminal`);
  assert.equal(adjustPortalConfig(undefined, base), `${JUPYTER}|localhost:8080:8080:/terminals/1:Jupyter Terminal`);
});

test("FORCE_JUPYTER=false adds nothing", () => {
  assert.equal(adjustPortalConfig(PORTAL, { ...base, forceJupyter: false }), PORTAL);
});

test("without port 8080 every Jupyter entry is removed, trailing separator included", () => {
  assert.equal(adjustPortalConfig(`${PORTAL}|${JUPYTER}|`, { ...base, vastTcpPort8080: undefined }), PORTAL);
});

test("SSH launch mode removes Jupyter unless overridden", () => {
  const ssh = { ...base, launch: "#!/bin/bash\nsshd\n" };
  assert.equal(adjustPortalConfig(`${JUPYTER}|${PORTAL}`, ssh), PORTAL);
  assert.equal(adjustPortalConfig(`${JUPYTER}|${PORTAL}`, { ...ssh, jupyterOverride: true }), `${JUPYTER}|${PORTAL}`);
});

test("Jupyter launch mode points 8080 straight at Vast's own Jupyter", () => {
  assert.equal(
    adjustPortalConfig(`${PORTAL}|${JUPYTER}`, { ...base, launch: "jupyter notebook ..." }),
    `${PORTAL}|localhost:8080:8080:/:Jupyter`,
  );
});

test("a PORTAL_CONFIG that does not parse is refused with the error that names the entry", () => {
  assert.throws(
    () => adjustPortalConfig(`${PORTAL}|oops`, base),
    (err: unknown) => err instanceof PortalConfigError && /entry 2/.test(err.message),
  );
});
