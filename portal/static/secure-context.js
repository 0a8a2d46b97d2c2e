// The secure-context redirect (instance-runtime.md §4.3).
(function () {
  "use strict";
  const { $, api, enc, sleep, safeHref, withPath, instance } = window.Portal;
  // Opened over plain http on an address that is not a secure context (clipboard, service workers and
  // more need one), the page moves to the portal's own https tunnel: its named tunnel at once, else its
  // quick tunnel once that answers, within 15 s. ?redir=false (the direct link's flag) stays put.
  let secureSkipped = false;
  function setSecure(state) {
    const banner = $("secure-banner");
    banner.dataset.state = state;
    banner.hidden = state !== "waiting";
  }
  async function canResolve(tunnelUrl, deadline) {
    const probe = tunnelUrl.replace(/\/$/, "") + "/portal-resolver?t=" + Date.now();
    const signal = () => AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    try {
      await fetch(probe, { mode: "no-cors", cache: "no-store", signal: signal() });
      // Only our front answers /portal-resolver with 200 and CORS; Cloudflare's error page does not (§11 bug 11).
      const r = await fetch(probe, { mode: "cors", cache: "no-store", signal: signal() });
      return r.status === 200;
    } catch (e) {
      return false;
    }
  }
  function goSecure(url) {
    const href = safeHref(url);
    if (href === null || !href.startsWith("https:") || secureSkipped) return false;
    setSecure("redirecting");
    location.href = href;
    return true;
  }
  async function redirectIfInsecure(apps, namedTunnels) {
    if (window.isSecureContext || new URLSearchParams(location.search).get("redir") === "false") return setSecure("off");
    const self = apps.find((a) => a.external_port === instance.portal_port);
    if (!self) return setSecure("unavailable");
    setSecure("waiting");
    const named = namedTunnels.find((t) => t.targetUrl === self.target_url);
    if (named && goSecure(withPath(named.tunnelUrl, self.open_path))) return;
    const deadline = Date.now() + 15000;
    while (!secureSkipped && Date.now() < deadline) {
      const quick = await api("/get-existing-quick-tunnel/" + enc(self.target_url)).catch(() => null);
      if (quick && (await canResolve(quick, deadline)) && goSecure(withPath(quick, self.open_path))) return;
      await sleep(1000);
    }
    if (!secureSkipped) setSecure("unavailable");
  }
  $("secure-skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    secureSkipped = true;
    setSecure("skipped");
  });

  window.Portal.redirectIfInsecure = redirectIfInsecure;
})();
