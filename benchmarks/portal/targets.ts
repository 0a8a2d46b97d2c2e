/**
 * The three proxies the benchmark compares, each started as its own process:
 * nginx (also the backend), Caddy 2.6 configured like the original image's
 * generated Caddyfile (instance-runtime.md §3.3–§3.4: TLS, cookie/bearer/token
 * auth routes, basic-auth fallback, not-ready handler, compression), and our
 * front (`node portal/server.ts`) with the same settings.
 */
import { spawn, execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { PORTAL_APP_MALLOC_ENV, PORTAL_APP_NODE_FLAGS } from "../../portal/app-flags.ts";
import { stopChild } from "../../portal/stop-child.ts";
import { freePort } from "../../tests/_support/net.ts";

/** A started process and how to reach it. */
export interface Target {
  readonly name: string;
  /** Processes whose peak RSS is summed. */
  readonly pids: () => Promise<number[]>;
  readonly stop: () => Promise<void>;
}

/** Shared settings. */
export interface BenchEnv {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly token: string;
  readonly label: string;
}

/** Wait until a TCP port accepts connections. */
export async function waitForPort(port: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { freePort };

function track(child: ChildProcess, name: string): () => Promise<void> {
  child.on("error", (err) => {
    process.stderr.write(`${name}: ${err.message}\n`);
  });
  return () => stopChild(child);
}

/** nginx serving `/1k.bin` and `/1m.bin` on plain HTTP (the backend) and TLS (the "direct" baseline). */
export async function startNginx(env: BenchEnv, httpPort: number, tlsPort: number): Promise<Target> {
  const root = path.join(env.dir, "www");
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, "1k.bin"), Buffer.alloc(1024, 120));
  await fs.writeFile(path.join(root, "1m.bin"), Buffer.alloc(1024 * 1024, 121));
  const conf = path.join(env.dir, "nginx.conf");
  await fs.writeFile(
    conf,
    `
user root;
worker_processes 1;
pid ${env.dir}/nginx.pid;
error_log ${env.dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${env.dir}/nginx-body;
  server {
    listen 127.0.0.1:${httpPort};
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${env.cert};
    ssl_certificate_key ${env.key};
    root ${root};
  }
}
`,
  );
  const child = spawn("nginx", ["-c", conf, "-p", env.dir, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
  const stop = track(child, "nginx");
  await waitForPort(httpPort);
  await waitForPort(tlsPort);
  return {
    name: "nginx direct",
    pids: async () => [child.pid as number, ...childPids(child.pid as number)],
    stop,
  };
}

/** Caddy 2.6 with the original image's per-app site blocks for the file app and the WebSocket app (token routes without `uri query -token`, which 2.6 lacks). */
export async function startCaddy(env: BenchEnv, sites: readonly { port: number; upstream: number }[]): Promise<Target> {
  const hash = execFileSync("caddy", ["hash-password", "--plaintext", env.token], { encoding: "utf8" }).trim();
  const cookie = `${env.label}_auth_token=${env.token}; Path=/; Max-Age=604800; HttpOnly; SameSite=lax`;
  const site = (port: number, upstream: number) => `
:${port} {
  tls ${env.cert} ${env.key}
  encode zstd gzip
  @cf_tunnel header Cf-Ray *
  vars not_ready_status 502
  vars @cf_tunnel not_ready_status 200
  # Caddy 2.6 has no status filter on handle_errors (the original's ai-dock fork does).
  handle_errors {
    header X-Portal-Placeholder true
    header Cache-Control "no-store"
    respond "Loading..." {vars.not_ready_status}
  }
  @noauth path /.well-known/acme-challenge/* /.well-known/change-password /manifest.json /manifest.webmanifest /site.webmanifest /.well-known/security.txt /security.txt /portal-resolver
  @token_auth_browser expression \`{http.request.uri.query.token} == "${env.token}" && ({http.request.header.Accept}.contains("text/html") || {http.request.header.Sec-Fetch-Dest} == "document")\`
  @token_auth expression \`{http.request.uri.query.token} == "${env.token}"\`
  @has_valid_auth_cookie expression \`{http.request.header.Cookie}.contains("${env.label}_auth_token=${env.token}")\`
  @has_valid_bearer_token expression \`{http.request.header.Authorization} == "Bearer ${env.token}"\`
  route @noauth {
    route /portal-resolver {
      header Access-Control-Allow-Origin "*"
      respond 200
    }
    reverse_proxy 127.0.0.1:${upstream}
  }
  route @token_auth_browser {
    header Set-Cookie "${cookie}"
    redir * {path} 302
  }
  route @token_auth {
    header Set-Cookie "${cookie}"
    reverse_proxy 127.0.0.1:${upstream}
  }
  route @has_valid_auth_cookie {
    reverse_proxy 127.0.0.1:${upstream} {
      header_up Host {upstream_hostport}
      header_up X-Forwarded-Proto {scheme}
      header_up X-Real-IP {remote_host}
      header_down -X-Portal-Placeholder
      flush_interval -1
    }
  }
  route @has_valid_bearer_token {
    reverse_proxy 127.0.0.1:${upstream}
  }
  route {
    basicauth {
      vastai ${hash}
    }
    header Set-Cookie "${cookie}"
    reverse_proxy 127.0.0.1:${upstream}
  }
}
`;
  const caddyfile = path.join(env.dir, "Caddyfile");
  await fs.writeFile(caddyfile, `{\n  admin off\n  auto_https off\n}\n${sites.map((s) => site(s.port, s.upstream)).join("\n")}`);
  // Fail fast on a config Caddy 2.6 does not accept.
  execFileSync("caddy", ["adapt", "--config", caddyfile, "--adapter", "caddyfile"], { stdio: ["ignore", "ignore", "inherit"] });
  const child = spawn("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, XDG_DATA_HOME: env.dir, XDG_CONFIG_HOME: env.dir, HOME: env.dir },
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const stop = track(child, "caddy");
  try {
    for (const s of sites) await waitForPort(s.port);
  } catch (err) {
    await stop();
    throw new Error(`caddy did not start: ${stderr}`, { cause: err });
  }
  return { name: "Caddy 2.6", pids: async () => [child.pid as number], stop };
}

/**
 * Bundle the portal exactly as the image ships it (`image/build/bundle.ts`:
 * main.js and its chunks, next to a copy of `portal/static/`), so it runs
 * without type stripping, whose compiler would otherwise sit in the measured memory.
 */
export async function bundlePortal(dir: string): Promise<string> {
  const out = path.join(dir, "portal-bundle");
  const repo = new URL("../../", import.meta.url).pathname;
  execFileSync(process.execPath, [path.join(repo, "image/build/bundle.ts"), out], { stdio: ["ignore", "ignore", "inherit"] });
  await fs.cp(path.join(repo, "portal/static"), path.join(out, "static"), { recursive: true });
  return path.join(out, "main.js");
}

/**
 * Our front: `node main.js portal` as the image's supervisor runs it (the
 * flags and malloc settings of `portal/app-flags.ts`), with the
 * same apps, TLS on and auth on. The measured process is the front process the
 * portal starts (with its own Node flags, `portal/front-process.ts`); the
 * portal app's process is reported beside it.
 */
export async function startOurFront(
  env: BenchEnv,
  sites: readonly { port: number; upstream: number }[],
  main: string,
): Promise<Target & { readonly portalPid: number }> {
  const root = path.join(env.dir, "instance");
  await fs.mkdir(path.join(root, "etc"), { recursive: true });
  await fs.mkdir(path.join(root, "var/log/portal"), { recursive: true });
  await fs.copyFile(env.cert, path.join(root, "etc/instance.crt"));
  await fs.copyFile(env.key, path.join(root, "etc/instance.key"));
  const portalEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    INSTANCE_ROOT: root,
    ENABLE_HTTPS: "true",
    OPEN_BUTTON_TOKEN: env.token,
    VAST_CONTAINERLABEL: env.label,
    PORTAL_FRONT_HOST: "127.0.0.1",
    PORTAL_APP_PORT: String(await freePort()),
    PORTAL_TUNNEL_API_PORT: String(await freePort()),
    PORTAL_DEFAULT_TUNNELS: "false",
    PORTAL_CONFIG: sites.map((s, i) => `127.0.0.1:${s.port}:${s.upstream}:/:App ${i}`).join("|"),
  };
  for (const s of sites) portalEnv[`VAST_TCP_PORT_${s.port}`] = String(s.port);
  // Launched as instance_portal.sh launches it: the same flags and malloc settings.
  const child = spawn(process.execPath, [...PORTAL_APP_NODE_FLAGS, main, "portal"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...portalEnv, ...PORTAL_APP_MALLOC_ENV },
  });
  const stop = track(child, "portal");
  for (const s of sites) await waitForPort(s.port);
  const portalPid = child.pid as number;
  return { name: "our front", pids: async () => childPids(portalPid), stop, portalPid };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** Peak resident set (VmHWM) summed over `pids`, in MB. */
export async function peakRssMb(pids: readonly number[]): Promise<number> {
  let kb = 0;
  for (const pid of pids) {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    kb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** CPU time (user + system) used so far by `pids`, in seconds; Linux counts it in clock ticks of 1/100 s. */
export async function cpuSeconds(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / 100;
}
