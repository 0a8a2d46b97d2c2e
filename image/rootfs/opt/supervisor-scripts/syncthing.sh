#!/bin/bash
# Syncthing as `user`: GUI on 127.0.0.1:18384 behind the portal, API key = OPEN_BUTTON_TOKEN;
# instance-runtime.md §8.6. Works with the release binary (2.x) and Debian's package (1.19).
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
. /opt/supervisor-scripts/utils/exit_portal.sh "syncthing"

syncthing_bin="$(command -v syncthing || true)"
if [ -z "${syncthing_bin}" ]; then
  echo "Skipping syncthing startup (not installed)"
  sleep 6
  exit 0
fi
home_dir="${SYNCTHING_HOME:-/opt/syncthing/home}"
gui=127.0.0.1:18384
api_key="${OPEN_BUTTON_TOKEN:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export STNOUPGRADE=1 STNORESTART=1 STNODEFAULTFOLDER=1

rm -f "${home_dir}/LOCK" 2>/dev/null
if [ ! -f "${home_dir}/config.xml" ]; then
  "${syncthing_bin}" generate --home="${home_dir}" --no-default-folder
fi

"${syncthing_bin}" serve --home="${home_dir}" --no-browser --gui-address="${gui}" --gui-apikey="${api_key}" &
pid=$!
trap 'kill -TERM "${pid}" 2>/dev/null; wait "${pid}"; exit 0' TERM INT

api() { curl -fsS -m 5 -H "X-API-Key: ${api_key}" "$@"; }
for _ in $(seq 1 60); do
  api "http://${gui}/rest/system/ping" >/dev/null 2>&1 && break
  kill -0 "${pid}" 2>/dev/null || break
  sleep 1
done

# The portal proxies with its own Host header and does auth itself. Listen only on the self-mapped
# port Vast forwards 1:1 (VAST_TCP_PORT_72299), never on an unpublished default (§11, bug 15).
listen='["dynamic+https://relays.syncthing.net/endpoint"]'
if [[ "${VAST_TCP_PORT_72299:-}" =~ ^[0-9]+$ ]]; then
  listen="[\"tcp://0.0.0.0:${VAST_TCP_PORT_72299}\",\"dynamic+https://relays.syncthing.net/endpoint\"]"
else
  echo "VAST_TCP_PORT_72299 not set: syncthing is relay-only"
fi
api -X PATCH -d '{"insecureSkipHostcheck":true,"insecureAdminAccess":true}' "http://${gui}/rest/config/gui" >/dev/null \
  || echo "WARNING: could not relax syncthing's GUI host check"
api -X PATCH -d "{\"listenAddresses\":${listen},\"natEnabled\":false,\"urAccepted\":-1}" "http://${gui}/rest/config/options" >/dev/null \
  || echo "WARNING: could not set syncthing's listen addresses"

wait "${pid}"
