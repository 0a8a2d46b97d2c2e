// Instance Portal UI (instance-runtime.md §4.3): vanilla JS, no CDN, no build step.
// Everything from the API is rendered with textContent; only log lines, which the
// server escapes and colours itself (§4.2), are inserted as HTML. Links from
// configuration go through safeHref (http, https or relative only).
(function () {
  "use strict";
  const instance = JSON.parse(document.getElementById("instance").textContent || "{}");
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const c of children) if (c != null) node.append(c);
    return node;
  };
  const api = async (path, init) => {
    const r = await fetch(path, Object.assign({ credentials: "same-origin", cache: "no-store" }, init));
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.statusText);
    return r.headers.get("content-type")?.includes("json") ? r.json() : r.text();
  };
  const enc = encodeURIComponent;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // The server checks every configured URL already; the page checks again before making a link of it.
  function safeHref(url) {
    try {
      const u = new URL(url, location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }
  function withPath(base, openPath) {
    return base.replace(/\/$/, "") + (openPath.startsWith("/") ? openPath : "/" + openPath);
  }
  // What tools.js and secure-context.js use; they are loaded after this file.
  window.Portal = { $, el, api, enc, sleep, safeHref, withPath, instance };

  $("instance-id").textContent = instance.id || "local";
  $("instance-gpu").textContent = instance.gpu || "";

  // ---- navigation --------------------------------------------------------
  const tabs = ["apps", "tunnels", "logs", "services", "tools"];
  function route() {
    let tab = (location.hash.match(/^#\/(\w+)/) || [])[1];
    if (!tabs.includes(tab) || (tab === "services" && $("nav-services").hidden)) tab = "apps";
    for (const t of tabs) $("tab-" + t).hidden = t !== tab;
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.tab === tab);
    if (tab === "tunnels") loadTunnels();
    if (tab === "services") loadProcesses();
    if (tab === "logs") scrollLogs();
  }
  window.addEventListener("hashchange", route);

  // ---- metrics -----------------------------------------------------------
  function setGauge(key, percent, title) {
    const g = document.querySelector(`.gauge[data-key="${key}"]`);
    if (!g) return;
    g.hidden = false;
    const ring = g.querySelector(".ring");
    const p = percent == null || !isFinite(percent) ? 0 : Math.max(0, Math.min(100, percent));
    ring.style.setProperty("--p", p);
    ring.style.setProperty("--c", p > 90 ? "var(--bad)" : p > 70 ? "var(--warn)" : "var(--accent)");
    ring.querySelector("span").textContent = percent == null ? "–" : Math.round(p) + "%";
    g.title = title || "";
  }
  const gb = (n) => (n / 1073741824).toFixed(1) + " GB";
  async function loadMetrics() {
    try {
      const m = await api("/system-metrics");
      setGauge("cpu", m.cpu.percent, m.cpu.count + " cores");
      setGauge("ram", m.ram.percent, gb(m.ram.used) + " / " + gb(m.ram.total));
      setGauge("disk", m.disk.percent, gb(m.disk.used) + " / " + gb(m.disk.total));
      if (m.volume) setGauge("volume", m.volume.percent, m.volume.path);
      setGauge("gpu", m.gpu.count ? m.gpu.avg_load_percent : null, m.gpu.count + " GPU(s)");
      setGauge("vram", m.gpu.count ? m.gpu.memory_percent : null, m.gpu.memory_used + " / " + m.gpu.memory_total + " MB");
      const wasHidden = $("nav-services").hidden;
      $("nav-services").hidden = m.environment !== "container";
      if (wasHidden && location.hash.startsWith("#/services")) route();
    } catch (e) {
      /* metrics are best effort */
    }
  }

  // ---- applications ------------------------------------------------------
  let namedTunnels = [];
  /** The app's direct URL; the portal's own says redir=false, or it would bounce straight back to a tunnel (§4.3). */
  async function directUrl(app) {
    if (!app.mapped_port) return null;
    const base = (await api("/get-direct-url/" + app.external_port).catch(() => null))?.result;
    if (!base) return null;
    const self = app.external_port === instance.portal_port;
    return withPath(base, self ? app.open_path + (app.open_path.includes("?") ? "&" : "?") + "redir=false" : app.open_path);
  }
  async function launchUrl(app) {
    const named = namedTunnels.find((t) => t.targetUrl === app.target_url);
    if (named) return { url: withPath(named.tunnelUrl, app.open_path), via: "named tunnel" };
    const direct = await directUrl(app);
    if (direct && instance.direct_https === "true") return { url: direct, via: "direct" };
    const quick = await api("/get-existing-quick-tunnel/" + enc(app.target_url)).catch(() => null);
    if (quick) return { url: withPath(quick, app.open_path), via: "quick tunnel" };
    if (direct) return { url: direct, via: "direct" };
    return null;
  }
  function showLink(links, label, url) {
    links.append(
      el("span", { className: "muted", textContent: label }),
      el("a", { href: url, target: "_blank", rel: "noopener", textContent: url.replace(/([?&]token=)[^&]+/, "$1…") }),
    );
  }
  async function loadApps() {
    const box = $("apps");
    let apps;
    try {
      [apps, namedTunnels] = await Promise.all([api("/get-applications"), api("/get-named-tunnels").catch(() => [])]);
    } catch (e) {
      box.replaceChildren(el("p", { className: "muted", textContent: "Could not load applications: " + e.message }));
      return;
    }
    if (apps.length === 0) {
      box.replaceChildren(el("p", { className: "muted", textContent: "No applications are configured (PORTAL_CONFIG is empty)." }));
      return;
    }
    const cards = apps.map((app) => {
      const current = app.name === "Instance Portal";
      const button = el("button", {
        type: "button",
        className: "primary launch",
        disabled: true,
        textContent: current ? "Currently Active" : "Finding a route…",
      });
      const links = el("div", { className: "links" });
      const card = el(
        "article",
        { className: "card" },
        el("h2", { textContent: app.name }),
        el(
          "div",
          { className: "meta" },
          el("span", { textContent: "Port " + app.external_port + (app.mapped_port ? " → " + app.mapped_port : "") }),
          el("span", { textContent: app.target_url }),
        ),
        button,
        el("details", {}, el("summary", { textContent: "Advanced Connection Options" }), links),
      );
      card.dataset.app = app.name;
      if (!current) {
        launchUrl(app)
          .then((found) => {
            if (!found) {
              button.textContent = "No route yet";
              return;
            }
            button.disabled = false;
            button.textContent = "Launch Application";
            button.title = "via " + found.via;
            button.onclick = () => window.open(found.url, "_blank", "noopener");
            showLink(links, "Launch via " + found.via + ":", found.url);
          })
          .catch(() => {
            button.textContent = "No route yet";
          });
      } else {
        directUrl(app)
          .then((url) => url && showLink(links, "Direct link (stays on this address):", url))
          .catch(() => {});
      }
      return card;
    });
    box.replaceChildren(...cards);
    if (!secureChecked) {
      secureChecked = true;
      window.Portal.redirectIfInsecure(apps, namedTunnels);
    }
  }
  let secureChecked = false;

  // ---- tunnels -----------------------------------------------------------
  async function loadTunnels() {
    const body = $("tunnels");
    const [quick, named] = await Promise.all([api("/get-all-quick-tunnels").catch(() => []), api("/get-named-tunnels").catch(() => [])]);
    const rows = [];
    for (const t of named) rows.push(tunnelRow(t, "named"));
    for (const t of quick) rows.push(tunnelRow(t, "quick"));
    body.replaceChildren(
      ...(rows.length ? rows : [el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: "No tunnels yet." }))]),
    );
  }
  function tunnelRow(t, kind) {
    const actions = el("td", { className: "actions" });
    if (kind === "quick") {
      actions.append(
        el("button", { type: "button", textContent: "Refresh", onclick: () => tunnelAction("refresh", t.targetUrl) }),
        " ",
        el("button", { type: "button", className: "danger", textContent: "Stop", onclick: () => tunnelAction("stop", t.targetUrl) }),
      );
    }
    return el(
      "tr",
      {},
      el("td", { textContent: t.targetUrl }),
      el("td", {}, el("a", { href: t.tunnelUrl, target: "_blank", rel: "noopener", textContent: t.tunnelUrl })),
      el("td", {}, el("span", { className: "badge" + (kind === "named" ? " ok" : ""), textContent: kind })),
      actions,
    );
  }
  async function tunnelAction(action, target) {
    $("tunnel-status").textContent = (action === "stop" ? "Stopping " : "Refreshing ") + target + "…";
    try {
      await api("/" + action + "-quick-tunnel/" + enc(target), { method: "POST" });
      $("tunnel-status").textContent = "";
    } catch (e) {
      $("tunnel-status").textContent = e.message;
    }
    loadTunnels();
  }
  $("tunnel-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let target = $("tunnel-target").value.trim();
    if (!target) return;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) target = "http://" + target;
    $("tunnel-create").disabled = true;
    $("tunnel-status").textContent = "Starting a tunnel to " + target + "…";
    try {
      const r = await api("/start-quick-tunnel/" + enc(target), { method: "POST" });
      $("tunnel-status").textContent = "Tunnel ready: " + r.tunnel_url;
      $("tunnel-target").value = "";
    } catch (e) {
      $("tunnel-status").textContent = "Failed: " + e.message;
    }
    $("tunnel-create").disabled = false;
    loadTunnels();
  });

  // ---- supervisor --------------------------------------------------------
  async function loadProcesses() {
    if ($("tab-services").hidden) return;
    let list;
    try {
      list = await api("/supervisor/processes");
    } catch (e) {
      $("processes").replaceChildren(
        el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: "Supervisor unavailable: " + e.message })),
      );
      return;
    }
    $("processes").replaceChildren(
      ...list.map((p) => {
        const running = p.state === "RUNNING";
        const btn = (label, action, disabled) =>
          el("button", { type: "button", textContent: label, disabled, onclick: () => processAction(p.name, action) });
        return el(
          "tr",
          {},
          el("td", { textContent: p.name }),
          el(
            "td",
            {},
            el("span", { className: "badge " + (running ? "ok" : /FATAL|BACKOFF/.test(p.state) ? "bad" : "warn"), textContent: p.state }),
          ),
          el("td", { className: "muted", textContent: p.description }),
          el(
            "td",
            { className: "actions" },
            btn("Start", "start", running),
            " ",
            btn("Stop", "stop", !running || p.unstoppable),
            " ",
            btn("Restart", "restart", false),
          ),
        );
      }),
    );
  }
  async function processAction(name, action) {
    try {
      await api("/supervisor/process/" + enc(name) + "/" + action, { method: "POST" });
    } catch (e) {
      alert(e.message);
    }
    if (name === "instance_portal" && action === "restart") setTimeout(() => location.reload(), 1000);
    setTimeout(loadProcesses, 500);
  }

  // ---- logs --------------------------------------------------------------
  const logBox = $("logs");
  // Each file's most recent line nodes, oldest first: rewrites (a \r progress line, a cursor-up block) land on them.
  const fileLines = new Map();
  let paused = false;
  let socket = null;
  let attempts = 0;
  let lastMessage = 0;
  const MAX_LINES = 300;
  function scrollLogs() {
    if (!paused) logBox.scrollTop = logBox.scrollHeight;
  }
  function lineNode(html) {
    const div = document.createElement("div");
    div.className = "line";
    div.innerHTML = html;
    return div;
  }
  function trimLogs() {
    while (logBox.childElementCount > MAX_LINES) logBox.firstElementChild.remove();
  }
  function addLine(html) {
    logBox.append(lineNode(html));
    trimLogs();
  }
  // Replace the file's last `replace` lines by `lines` where they stand; extra lines follow them, and
  // lines no longer there are removed (§4.2 overwrite / overwrite_block).
  function rewrite(file, lines, replace) {
    const own = (fileLines.get(file) || []).filter((node) => node.isConnected);
    const kept = own.splice(Math.max(0, own.length - replace));
    const anchor = kept.length ? kept[kept.length - 1].nextSibling : null;
    kept.forEach((node, i) => {
      if (i < lines.length) {
        node.innerHTML = lines[i];
        own.push(node);
      } else node.remove();
    });
    for (const html of lines.slice(kept.length)) {
      const node = lineNode(html);
      logBox.insertBefore(node, anchor);
      own.push(node);
    }
    fileLines.set(file, own.slice(-MAX_LINES));
    trimLogs();
  }
  function setLogState(state, text) {
    $("log-dot").className = "dot " + state;
    $("log-state").textContent = text;
  }
  function connectLogs() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws-logs?_=" + Date.now();
    socket = new WebSocket(url);
    socket.onopen = () => {
      attempts = 0;
      setLogState("ok", "Live");
    };
    socket.onmessage = (ev) => {
      lastMessage = Date.now();
      if (ev.data === "heartbeat" || ev.data === "pong") return;
      const m = JSON.parse(ev.data);
      if (m.type === "system" || (m.type === "append" && !m.file)) addLine(m.html);
      else if (m.type === "append") rewrite(m.file, [m.html], 0);
      else if (m.type === "overwrite") rewrite(m.file, [m.html], 1);
      else if (m.type === "overwrite_block") rewrite(m.file, m.lines, m.replace);
      scrollLogs();
    };
    socket.onclose = () => {
      setLogState("bad", "Disconnected, reconnecting…");
      if (attempts >= 10) {
        setLogState("bad", "Disconnected");
        return;
      }
      const delay = Math.min(30000, 1000 * Math.pow(1.5, attempts++)) * (0.85 + Math.random() * 0.3);
      setTimeout(connectLogs, delay);
    };
  }
  setInterval(() => {
    if (socket && socket.readyState === 1) {
      socket.send("ping");
      if (lastMessage && Date.now() - lastMessage > 30000) socket.close();
    }
  }, 5000);
  $("log-pause").onclick = () => {
    paused = !paused;
    $("log-pause").textContent = paused ? "Resume" : "Pause";
    scrollLogs();
  };
  $("log-copy").onclick = () => navigator.clipboard?.writeText(logBox.innerText);

  // ---- autostop ----------------------------------------------------------
  // The server keeps the deadline; the page counts down between polls.
  let autostop = null;
  let autostopAt = 0;
  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + (s % 60) + " s";
  }
  function showAutostop() {
    if (!autostop || !autostop.enabled) return;
    const left = autostop.secondsLeft - (Date.now() - autostopAt) / 1000;
    $("autostop").hidden = false;
    $("autostop-action").textContent = autostop.action === "destroy" ? "Destroys itself" : "Stops itself";
    $("autostop-left").textContent = duration(left);
    const why = [autostop.activity.length > 0 ? "Active now: " + autostop.activity.join(", ") : "Idle"];
    if (autostop.postponedUntil) why.push("postponed until " + new Date(autostop.postponedUntil).toLocaleTimeString());
    $("autostop-why").textContent = why.join("; ");
  }
  async function loadAutostop() {
    try {
      autostop = await api("/autostop");
      autostopAt = Date.now();
      showAutostop();
    } catch {
      // An older portal without autostop: the box stays hidden.
    }
  }
  $("autostop-postpone").onclick = async () => {
    try {
      const body = JSON.stringify({ minutes: 60 });
      autostop = await api("/autostop/postpone", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      autostopAt = Date.now();
      showAutostop();
    } catch (e) {
      $("autostop-why").textContent = "Could not postpone: " + e.message;
    }
  };

  // ---- start -------------------------------------------------------------
  route();
  loadMetrics();
  setInterval(loadMetrics, 5000);
  loadApps();
  setInterval(loadApps, 30000);
  setInterval(() => {
    if (!$("tab-tunnels").hidden) loadTunnels();
  }, 15000);
  setInterval(loadProcesses, 10000);
  connectLogs();
  loadAutostop();
  setInterval(loadAutostop, 5000);
  setInterval(showAutostop, 1000);
})();
