#!/bin/sh
# Installs the Debian packages the portal tests and benchmark use (idempotent):
# chromium (browser test), jupyter-notebook and syncthing (real backends),
# supervisor (XML-RPC control), nginx-light, caddy and wrk (benchmark).
# Runs `apt-get update` only when something is missing.
set -eu
PACKAGES="chromium jupyter-notebook python3-ipykernel syncthing supervisor nginx-light caddy wrk"
missing=""
for pkg in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done
if [ -z "$missing" ]; then
  echo "portal test deps: all installed"
  exit 0
fi
echo "portal test deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
# Debian starts the packaged daemons on install; the tests start their own.
for svc in nginx caddy supervisor; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
