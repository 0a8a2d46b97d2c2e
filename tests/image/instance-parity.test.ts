/**
 * What users of the original image find in it (issue 11): its command-line tools, its environment
 * with pip into the system Python, uv, Tensorboard in the default PORTAL_CONFIG, ANSI-free copies of
 * the service logs in /var/log, `supervisorctl restart caddy`, and Syncthing listening on the mapped
 * sync port on every start.
 *
 * One container (tests/image/_instance.ts: `docker run`, or rented through the emulator in Docker
 * mode with VAST_KIT_TEST_STARTER=emulator) with the image's own default PORTAL_CONFIG; the Syncthing
 * sync port is self-mapped as on Vast (container port = VAST_TCP_PORT_72299).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { waitFor } from "../_support/poll.ts";
import { buildImage, docker, exec, IMAGE, request, requireDocker, supervisorStatus } from "./_container.ts";
import { type Instance, startInstance, starterFromEnv } from "./_instance.ts";
import { REFUSE_NEXT_OPTIONS, REFUSING_CURL } from "./_syncthing.ts";

let instance: Instance;
let C = "";
let auth: Record<string, string> = {};
const ports = { portal: 0, tensorboard: 0, extra: 0, sync: 0 };

before(async () => {
  await requireDocker();
  await buildImage();
  instance = await startInstance(starterFromEnv(), { name: "parity", env: {}, ports: [1111, 6006, 7860], selfMapped: [72299] });
  C = instance.container;
  auth = { authorization: `Bearer ${instance.token}` };
  ports.portal = instance.hostPort(1111);
  ports.tensorboard = instance.hostPort(6006);
  ports.extra = instance.hostPort(7860);
  ports.sync = instance.hostPort(72299);
});

after(async () => {
  await instance?.close();
});

/**
 * Each tool of original-image-contents.md that Debian packages, and a call that shows it runs, by
 * group: `everyday` is always installed; the others are the image's INSTALL_<GROUP>_TOOLS switches.
 */
const TOOLS: Readonly<Record<"everyday" | "build" | "media" | "gpu", Readonly<Record<string, string>>>> = {
  everyday: {
    wget: "wget --version",
    curl: "curl --version",
    ping: "ping -V",
    nc: "nc -h",
    dig: "dig -v",
    traceroute: "traceroute --version",
    netstat: "netstat --version",
    ip: "ip -V",
    jq: "jq --version",
    bc: "echo 6*7 | bc",
    git: "git --version",
    "git-lfs": "git lfs version",
    vim: "vim --version",
    nano: "nano --version",
    less: "less --version",
    sponge: "command -v sponge",
    expect: "expect -v",
    man: "man --version",
    setfacl: "setfacl --version",
    lsb_release: "lsb_release -a",
    "add-apt-repository": "command -v add-apt-repository",
    htop: "htop --version",
    iotop: "command -v iotop",
    strace: "strace -V",
    lsof: "lsof -v",
    ps: "ps --version",
    killall: "killall -V",
    rsync: "rsync --version",
    rclone: "rclone version",
    zip: "zip -v",
    unzip: "unzip -v",
    xz: "xz --version",
    zstd: "zstd --version",
    dos2unix: "dos2unix --version",
  },
  build: {
    gcc: "gcc --version",
    make: "make --version",
    cmake: "cmake --version",
    ninja: "ninja --version",
    gdb: "gdb --version",
    "pkg-config": "pkg-config --version",
    autoconf: "autoconf --version",
    libtoolize: "libtoolize --version",
    "python3-dev": "python3-config --includes",
  },
  media: { ffmpeg: "ffmpeg -version", sox: "sox --version", glxinfo: "command -v glxinfo" },
  gpu: {
    clinfo: "clinfo --version",
    vulkaninfo: "command -v vulkaninfo",
    ibstat: "ibstat -V",
    icd: "grep -qx libnvidia-opencl.so.1 /etc/OpenCL/vendors/nvidia.icd",
  },
};

test("the original's command-line tools are installed and run", async () => {
  // The image says which optional groups it was built with (ai.vast-kit.tools.<group> labels).
  const labels = JSON.parse(await docker("image", "inspect", "-f", "{{json .Config.Labels}}", IMAGE)) as Record<string, string>;
  const groups = (Object.keys(TOOLS) as (keyof typeof TOOLS)[]).filter(
    (g) => g === "everyday" || labels[`ai.vast-kit.tools.${g}`] === "true",
  );
  process.stdout.write(`# tool groups in ${IMAGE}: ${groups.join(", ")}\n`);
  const script = groups
    .flatMap((g) => Object.entries(TOOLS[g]))
    .map(
      ([name, call]) => `if out=$( { ${call}; } 2>&1 ); then echo "ok ${name}"; else echo "FAIL ${name}: $(echo "$out" | head -n 2)"; fi`,
    )
    .join("\n");
  const failures = (await exec(C, script)).split("\n").filter((line) => line.startsWith("FAIL"));
  assert.deepEqual(failures, []);
});

/** The environment original-image-contents.md lists, with our IMAGE_TYPE. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  IMAGE_TYPE: "vast-kit",
  DATA_DIRECTORY: "/workspace",
  WORKSPACE: "/workspace",
  PIP_BREAK_SYSTEM_PACKAGES: "1",
  DEBIAN_FRONTEND: "noninteractive",
  PYTHONUNBUFFERED: "1",
  NVIDIA_DRIVER_CAPABILITIES: "all",
  UV_CACHE_DIR: "/.uv/cache",
  UV_NO_CACHE: "1",
  UV_LINK_MODE: "copy",
  UV_PYTHON_BIN_DIR: "/.uv/python_bin",
  UV_PYTHON_INSTALL_DIR: "/.uv/python_install",
};

test("the original's environment is set for services and for login shells (/etc/environment)", async () => {
  const live = await exec(C, "env");
  const saved = await exec(C, "cat /etc/environment");
  for (const [name, value] of Object.entries(ENVIRONMENT)) {
    assert.ok(live.split("\n").includes(`${name}=${value}`), `${name}=${value} missing from the container environment`);
    assert.ok(saved.split("\n").includes(`${name}="${value}"`), `${name}="${value}" missing from /etc/environment`);
  }
  assert.match(live, /^PATH=\/opt\/instance-tools\/bin:/m);
});

/** Makes a one-module wheel in /tmp/wheels, as a user's offline package would be. */
const MAKE_WHEEL = `mkdir -p /tmp/wheels && python3 - <<'PY'
import base64, hashlib, zipfile
files = {
    "vk_probe/__init__.py": b"VALUE = 42\\n",
    "vk_probe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: vk-probe\\nVersion: 1.0\\n",
    "vk_probe-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
def digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{path},sha256={digest(data)},{len(data)}\\n" for path, data in files.items())
files["vk_probe-1.0.dist-info/RECORD"] = (record + "vk_probe-1.0.dist-info/RECORD,,\\n").encode()
with zipfile.ZipFile("/tmp/wheels/vk_probe-1.0-py3-none-any.whl", "w") as wheel:
    for path, data in files.items():
        wheel.writestr(path, data)
PY`;

test("pip installs into the system Python (no externally-managed-environment refusal)", async () => {
  await exec(C, MAKE_WHEEL);
  const pip = "python3 -m pip install --no-index --find-links /tmp/wheels vk-probe";
  // Without the image's PIP_BREAK_SYSTEM_PACKAGES, Debian's pip refuses: the variable is what makes it work.
  const refused = await exec(C, `env -u PIP_BREAK_SYSTEM_PACKAGES ${pip} --dry-run 2>&1 || true`);
  assert.match(refused, /externally-managed-environment/);
  const installed = await exec(C, `${pip} 2>&1`);
  assert.doesNotMatch(installed, /externally-managed-environment/);
  assert.match(installed, /Successfully installed vk-probe-1\.0/);
  assert.equal((await exec(C, 'cd / && /usr/bin/python3 -c "import vk_probe; print(vk_probe.VALUE)"')).trim(), "42");
});

test("uv is installed with the original's settings and makes a venv", async () => {
  assert.match((await exec(C, "uv --version")).trim(), /^uv \d+\.\d+\.\d+/);
  assert.equal((await exec(C, 'stat -c "%U:%G %a" /.uv')).trim(), "root:root 775");
  await exec(C, "uv venv --python /usr/bin/python3 /tmp/uv-venv 2>&1");
  assert.match(await exec(C, '/tmp/uv-venv/bin/python -c "import sys; print(sys.prefix)"'), /^\/tmp\/uv-venv$/m);
});

test("the default PORTAL_CONFIG proxies 6006 to Tensorboard on 16006", async () => {
  const base = `http://127.0.0.1:${ports.tensorboard}`;
  assert.equal((await request(`${base}/`)).status, 401);
  const installed = (await exec(C, "test -x /venv/main/bin/tensorboard && echo yes || echo no")).trim() === "yes";
  if (installed) {
    const page = await waitFor(
      "Tensorboard through the proxy",
      async () => {
        const r = await request(`${base}/`, { headers: auth });
        return r.status === 200 ? r : undefined;
      },
      60_000,
      500,
    );
    assert.match(page.body, /TensorBoard/i);
    return;
  }
  // The offline build has no Tensorboard (Debian does not package it): the program skips itself
  // cleanly, and a stand-in on 16006 shows the route.
  await waitFor("tensorboard to skip", async () => (await supervisorStatus(C)).tensorboard === "EXITED", 30_000, 500);
  assert.match(
    await exec(C, "cat /var/log/portal/tensorboard.log"),
    /Skipping tensorboard startup \(\/venv\/main\/bin\/tensorboard not installed\)/,
  );
  await exec(C, 'mkdir -p /tmp/tb && echo "tensorboard stand-in" > /tmp/tb/index.html');
  await docker("exec", "-d", C, "python3", "-m", "http.server", "16006", "--bind", "127.0.0.1", "--directory", "/tmp/tb");
  const page = await waitFor(
    "the stand-in through the proxy",
    async () => {
      const r = await request(`${base}/`, { headers: auth });
      return r.status === 200 ? r : undefined;
    },
    20_000,
    200,
  );
  assert.equal(page.body.trim(), "tensorboard stand-in");
});

test("each service's output is also in /var/log/<service>.log, without colour codes", async () => {
  // A program added as derived images add theirs, printing colours and a carriage return.
  await exec(
    C,
    `cat > /opt/supervisor-scripts/colour_probe.sh <<'EOF'
#!/bin/bash
. /opt/supervisor-scripts/utils/logging.sh
printf '\\033[1;32mcolour probe\\033[0m green\\rafter return\\n'
exec sleep infinity
EOF
chmod 0755 /opt/supervisor-scripts/colour_probe.sh
printf '[program:colour_probe]\\nenvironment=PROC_NAME="%%(program_name)s"\\ncommand=/opt/supervisor-scripts/colour_probe.sh\\nstartsecs=0\\nstdout_logfile=/dev/stdout\\nstdout_logfile_maxbytes=0\\nredirect_stderr=true\\n' > /etc/supervisor/conf.d/colour_probe.conf
supervisorctl update`,
  );
  const clean = await waitFor(
    "/var/log/colour_probe.log",
    async () => {
      const text = await exec(C, "cat /var/log/colour_probe.log 2>/dev/null || true");
      return text.includes("after return") ? text : undefined;
    },
    20_000,
    200,
  );
  assert.equal(clean, "colour probe green\nafter return\n");
  assert.match(await exec(C, "cat /var/log/portal/colour_probe.log"), /\x1b\[1;32mcolour probe\x1b\[0m green\rafter return/);
  // Syncthing drops to `user`, who cannot create files in /var/log: its copy was made for it at boot.
  await waitFor(
    "syncthing's copy",
    async () => /syncthing listen addresses/.test(await exec(C, "cat /var/log/syncthing.log")),
    60_000,
    500,
  );
  assert.equal((await exec(C, "stat -c %U /var/log/syncthing.log")).trim(), "user");
});

test("`supervisorctl restart caddy` after editing /etc/portal.yaml makes the proxy serve the new app", async () => {
  await assert.rejects(request(`http://127.0.0.1:${ports.extra}/`), "nothing listens on 7860 before the edit");
  await exec(
    C,
    `cat >> /etc/portal.yaml <<'EOF'
  Extra App:
    hostname: localhost
    external_port: 7860
    internal_port: 17860
    open_path: /
    name: Extra App
EOF
supervisorctl restart caddy`,
  );
  await waitFor("the front on 7860", async () => (await request(`http://127.0.0.1:${ports.extra}/`)).status === 401, 30_000, 200);
  assert.equal((await supervisorStatus(C)).caddy, "RUNNING");
  assert.match(await exec(C, "cat /var/log/portal/caddy.log"), /Restarting instance_portal, the proxy, so it picks up \/etc\/portal.yaml/);
});

test("Syncthing listens on the mapped sync port on each of 20 fresh starts, also when a settings call is refused", async (t) => {
  await exec(C, REFUSING_CURL);
  t.after(() => exec(C, `rm -f /usr/local/bin/curl ${REFUSE_NEXT_OPTIONS}`));
  const listening = (port: number) => exec(C, `ss -Htln "sport = :${port}"`).then((out) => out.trim() !== "");
  for (let start = 1; start <= 20; start++) {
    // A fresh configuration each time, so every start goes through all of the wrapper's settings calls.
    await exec(C, "supervisorctl stop syncthing >/dev/null; rm -f /opt/syncthing/home/config.xml");
    // Stopping the program stops all of Syncthing (its monitor's child runs in a process group of its own).
    assert.equal(
      (await exec(C, "ps -eo comm | grep -cx syncthing || true")).trim(),
      "0",
      `start ${start}: a Syncthing outlived its program`,
    );
    if (start % 2 === 1) await exec(C, `install -o user /dev/null ${REFUSE_NEXT_OPTIONS}`);
    await exec(C, "supervisorctl start syncthing >/dev/null");
    await waitFor(`syncthing on ${ports.sync} (start ${start})`, () => listening(ports.sync), 60_000, 200);
    await waitFor(`syncthing off its default port 22000 (start ${start})`, async () => !(await listening(22000)), 10_000, 200);
    assert.equal((await exec(C, `test -e ${REFUSE_NEXT_OPTIONS} && echo left || echo used`)).trim(), "used", `start ${start}`);
    assert.doesNotMatch(await exec(C, "cat /var/log/portal/syncthing.log"), /ERROR: could not/, `start ${start}`);
  }
});
