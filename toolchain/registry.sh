#!/usr/bin/env bash
# Runs a local OCI registry for the emulator's Docker mode and the image pushes (environment.md,
# Docker: no image can be pulled from the internet, so every image comes from here):
#   1. Debian's docker-registry (distribution 2.8), if missing;
#   2. a config under the cache: listen on 127.0.0.1 only, filesystem storage beside it;
#   3. the registry in the background, if /v2/ does not answer yet; then waits until it does.
# Idempotent: a warm run only checks /v2/. Prints the registry address on its last line.
# Env: VAST_KIT_CACHE (default ~/.cache/vast-kit), VAST_KIT_REGISTRY_PORT (default 5000).
set -euo pipefail

CACHE_DIR="${VAST_KIT_CACHE:-${HOME}/.cache/vast-kit}"
REGISTRY_DIR="${CACHE_DIR}/registry"
PORT="${VAST_KIT_REGISTRY_PORT:-5000}"
ADDR="127.0.0.1:${PORT}"
CONFIG="${REGISTRY_DIR}/config.yml"
LOG="${REGISTRY_DIR}/registry.log"
BIN=/usr/bin/docker-registry

log() { printf '[registry] %s\n' "$*"; }

answers() { curl -fsS --max-time 2 -o /dev/null "http://${ADDR}/v2/" 2>/dev/null; }

if answers; then
  log "registry answers at http://${ADDR}/v2/"
  echo "${ADDR}"
  exit 0
fi

# --- 1. package ------------------------------------------------------------------------------
missing=()
[ -x "${BIN}" ] || missing+=(docker-registry)
command -v curl >/dev/null || missing+=(curl)   # the readiness probe below
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "${missing[*]} not installed and installing needs root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  # Another apt run (toolchain/docker.sh in parallel) may hold the dpkg lock: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi

# The package's own service (init script, config in /etc/docker/registry) listens on every
# interface; only ours on loopback may run. Without an init system this is a no-op.
if [ -x /etc/init.d/docker-registry ]; then
  /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
fi

# --- 2. config -------------------------------------------------------------------------------
mkdir -p "${REGISTRY_DIR}/storage"
cat >"${CONFIG}.tmp" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${REGISTRY_DIR}/storage
  delete:
    enabled: true
http:
  addr: ${ADDR}
EOF
mv "${CONFIG}.tmp" "${CONFIG}"

# --- 3. start and wait -----------------------------------------------------------------------
log "starting ${BIN} on ${ADDR} (log: ${LOG})"
# setsid: the registry must outlive this script and the shell that called it.
setsid "${BIN}" serve "${CONFIG}" >>"${LOG}" 2>&1 </dev/null &
pid=$!
echo "${pid}" >"${REGISTRY_DIR}/registry.pid"
for _ in $(seq 1 60); do
  answers && break
  # Gone already (the port is taken, a bad config): no point in waiting the full 30 s.
  kill -0 "${pid}" 2>/dev/null || break
  sleep 0.5
done
if ! answers; then
  echo "the registry did not answer http://${ADDR}/v2/; last lines of ${LOG}:" >&2
  tail -n 20 "${LOG}" >&2 || true
  exit 1
fi
log "registry answers at http://${ADDR}/v2/"
echo "${ADDR}"
