/** The PORTAL_CONFIG grammar (instance-runtime.md §2.1) and the checks on a published app list. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PortalConfigError, checkPortalApps, formatPortalConfig, parsePortalConfig } from "../../contracts/portal-config.ts";
import type { PortalApp } from "../../contracts/portal-config.ts";

const DEFAULT =
  "localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:8384:18384:/:Syncthing|localhost:6006:16006:/:Tensorboard";

test("parses the documented default into five apps in order", () => {
  const apps = parsePortalConfig(DEFAULT);
  assert.equal(apps.length, 5);
  assert.deepEqual(apps[2], {
    hostname: "localhost",
    external_port: 8080,
    internal_port: 8080,
    open_path: "/terminals/1",
    name: "Jupyter Terminal",
  });
});

test('the name may contain ":" and a duplicate name replaces the earlier entry in place', () => {
  const apps = parsePortalConfig("localhost:1:2:/:A|localhost:3:4:/x:B: the sequel|localhost:5:6:/:A");
  assert.deepEqual(
    apps.map((a) => [a.name, a.external_port]),
    [
      ["A", 5],
      ["B: the sequel", 3],
    ],
  );
});

test("a malformed entry throws an error naming the entry", () => {
  const cases: [string, RegExp][] = [
    ["localhost:1111:11111:/:Portal|", /entry 2 \(""\) has 1 of the 5 fields/],
    ["localhost:1111:11111:/", /entry 1 .* has 4 of the 5 fields/],
    ["localhost:1111:abc:/:Portal", /entry 1 .*internal_port "abc" is not a port number/],
    ["localhost:1111:11111:/:Portal|localhost:x:1:/:B", /entry 2 .*external_port "x"/],
    ["localhost:99999:1:/:Big", /external_port/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parsePortalConfig(text),
      (err: unknown) => {
        assert.ok(err instanceof PortalConfigError);
        assert.equal(err.code, "PORTAL_CONFIG_INVALID");
        assert.match(err.message, message);
        return true;
      },
      text,
    );
  }
});

test("formatPortalConfig round-trips with parsePortalConfig and refuses unexpressible apps", () => {
  assert.equal(formatPortalConfig(parsePortalConfig(DEFAULT)), DEFAULT);
  assert.throws(() => formatPortalConfig([{ hostname: "a:b", external_port: 1, internal_port: 2, open_path: "/", name: "x" }]), /hostname/);
  assert.throws(() => formatPortalConfig([{ hostname: "a", external_port: 1, internal_port: 2, open_path: "/", name: "x|y" }]), /name/);
});

test("a published list may share a port only with link-only apps", () => {
  assert.deepEqual(checkPortalApps(parsePortalConfig(DEFAULT)), []);
  const apps: PortalApp[] = [
    { hostname: "localhost", external_port: 1111, internal_port: 11111, open_path: "/", name: "Instance Portal" },
    { hostname: "localhost", external_port: 1111, internal_port: 11112, open_path: "/x", name: "Other" },
  ];
  assert.deepEqual(checkPortalApps(apps), ['app "Other": external_port 1111 is already proxied for "Instance Portal"']);
});

test('a published list refuses names with ":" and characters that break a shell or env string, naming the app', () => {
  const base = { hostname: "localhost", external_port: 1111, internal_port: 11111, open_path: "/" };
  const cases: [Partial<PortalApp>, string][] = [
    [{ name: "B: the sequel" }, 'app "B: the sequel": name must not contain ":"'],
    [{ name: 'say "hi"' }, 'app "say \\"hi\\"": name must not contain a quote, "\\", "$", a backtick or a line break'],
    [{ name: "it's" }, `app "it's": name must not contain a quote, "\\", "$", a backtick or a line break`],
    [{ name: "a$b" }, 'app "a$b": name must not contain a quote, "\\", "$", a backtick or a line break'],
    [{ name: "two\nlines" }, 'app "two\\nlines": name must not contain a quote, "\\", "$", a backtick or a line break'],
    [{ name: "App", open_path: "/`id`" }, 'app "App": open_path must not contain a quote, "\\", "$", a backtick or a line break'],
    [{ name: "App", hostname: "a\\b" }, 'app "App": hostname must not contain a quote, "\\", "$", a backtick or a line break'],
  ];
  for (const [fields, message] of cases) {
    assert.deepEqual(checkPortalApps([{ ...base, name: "App", ...fields }]), [message], JSON.stringify(fields));
  }
});

test("a published list refuses two apps of one name: the instance would keep only the last", () => {
  const app: PortalApp = { hostname: "localhost", external_port: 8080, internal_port: 8080, open_path: "/", name: "Jupyter" };
  assert.deepEqual(checkPortalApps([app, { ...app, open_path: "/lab" }]), ['app "Jupyter": name is taken by another app']);
});

test("what the grammar cannot carry is reported the same way, naming the app and the field", () => {
  const app: PortalApp = { hostname: "localhost", external_port: 8080, internal_port: 18080, open_path: "/", name: "Jupyter" };
  assert.deepEqual(checkPortalApps([app, { ...app, name: "a|b", external_port: 70000 }]), [
    'app "a|b": external_port Too big: expected number to be <=65535',
    'app "a|b": name must not contain "|"',
  ]);
});
