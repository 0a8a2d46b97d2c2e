#!/usr/bin/env bash
# Installs the Debian packages listed in toolchain/test-packages.txt that are missing (apt-get update
# only then), and stops the daemons Debian starts on install: the tests start their own.
set -euo pipefail

missing=()
while read -r pkg; do
  case "$pkg" in ''|'#'*) continue ;; esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done <"$(dirname "$0")/test-packages.txt"
[ ${#missing[@]} -gt 0 ] || exit 0

echo "toolchain: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
if command -v service >/dev/null 2>&1; then
  for svc in nginx caddy supervisor; do service "$svc" stop >/dev/null 2>&1 || true; done
fi
