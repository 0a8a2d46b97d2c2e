#!/bin/bash
# Syncthing as `user`: GUI on 127.0.0.1:18384 behind the portal, API key = OPEN_BUTTON_TOKEN;
# instance-runtime.md §8.6. Works with the release binary (2.x) and Debian's package (1.19).
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
. /opt/supervisor-scripts/utils/exit_portal.sh "syncthing"

syncthing_bin="$(command -v syncthing || echo syncthing)"
. /opt/supervisor-scripts/utils/exit_not_installed.sh "${syncthing_bin}"
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

# retry <what> <command...>: runs the command until it succeeds, for at most 60 s and only while
# syncthing lives. Syncthing restarts its GUI listener after a GUI settings change, so the next call
# can find nothing listening ("could not connect"); one try per call left the listen addresses unset
# in about one boot in four (issue 11).
retry() {
  local what="$1" deadline=$((SECONDS + 60))
  shift
  until "$@" 2>/dev/null; do
    if ! kill -0 "${pid}" 2>/dev/null || [ "${SECONDS}" -ge "${deadline}" ]; then
      echo "ERROR: could not ${what}"
      return 1
    fi
    sleep 0.5
  done
}

# Each setter writes, then reads the configuration back, so a write lost to a listener restart is redone.
relax_gui() {
  api -X PATCH -d '{"insecureSkipHostcheck":true,"insecureAdminAccess":true}' "http://${gui}/rest/config/gui" >/dev/null &&
    api "http://${gui}/rest/config/gui" | jq -e '.insecureSkipHostcheck and .insecureAdminAccess' >/dev/null
}
set_listen_addresses() {
  api -X PATCH -d "{\"listenAddresses\":${listen},\"natEnabled\":false,\"urAccepted\":-1}" "http://${gui}/rest/config/options" >/dev/null &&
    api "http://${gui}/rest/config/options" | jq -e --argjson want "${listen}" '.listenAddresses == $want and .natEnabled == false' >/dev/null
}
api_answers() { api "http://${gui}/rest/system/ping" >/dev/null; }
sync_port_listening() { [ -n "$(ss -Htln "sport = :${VAST_TCP_PORT_72299}")" ]; }

retry "reach syncthing's API" api_answers
# The portal proxies with its own Host header and does auth itself. Listen only on the self-mapped
# port Vast forwards 1:1 (VAST_TCP_PORT_72299), never on an unpublished default (§11, bug 15).
listen='["dynamic+https://relays.syncthing.net/endpoint"]'
if [[ "${VAST_TCP_PORT_72299:-}" =~ ^[0-9]+$ ]]; then
  listen="[\"tcp://0.0.0.0:${VAST_TCP_PORT_72299}\",\"dynamic+https://relays.syncthing.net/endpoint\"]"
else
  echo "VAST_TCP_PORT_72299 not set: syncthing is relay-only"
fi
retry "relax syncthing's GUI host check" relax_gui
if retry "set syncthing's listen addresses to ${listen}" set_listen_addresses; then
  echo "syncthing listen addresses: ${listen}"
  if [[ "${VAST_TCP_PORT_72299:-}" =~ ^[0-9]+$ ]]; then
    retry "see syncthing listening on ${VAST_TCP_PORT_72299}" sync_port_listening && echo "syncthing listening on ${VAST_TCP_PORT_72299}"
  fi
fi

wait "${pid}"
