#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root) to build and run the vast-kit base image:
#   1. Debian's docker.io (engine + /usr/bin/docker with BuildKit) and debootstrap, if missing;
#   2. dockerd in the background, if `docker info` does not answer;
#   3. the local stand-in base image (debootstrap minbase bookworm -> docker import), if absent,
#      from the mirror apt uses here (toolchain/debian-mirror.sh; DEBIAN_MIRROR overrides it).
# Idempotent: a warm run only checks, and takes a few seconds. Caches live outside the repository
# (VAST_KIT_CACHE, default ~/.cache/vast-kit). No image can be pulled here (environment.md, Docker).
# The image build fetches its own Node runtime (image/build/fetch-node.sh).
set -euo pipefail

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${VAST_KIT_CACHE:-${HOME}/.cache/vast-kit}"
DOCKER=/usr/bin/docker
BASE_IMAGE_TAG="${VAST_KIT_LOCAL_BASE:-vast-kit/debian-base:bookworm}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/vast-kit-dockerd.log}"

log() { printf '[docker] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "toolchain/docker.sh must run as root (it installs packages and starts dockerd)" >&2
  exit 1
fi

# --- 1. packages -----------------------------------------------------------------------------
# /usr/local/bin/docker on these machines is a client without buildx; only Debian's client is used.
missing=()
[ -x /usr/sbin/dockerd ] && [ -x "${DOCKER}" ] || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  # Another apt run (a parallel setup script) may hold the dpkg lock: wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi

# --- 2. dockerd ------------------------------------------------------------------------------
if ! "${DOCKER}" info >/dev/null 2>&1; then
  log "starting dockerd (log: ${DOCKERD_LOG})"
  # setsid: the daemon must outlive this script and the shell that called it.
  setsid /usr/sbin/dockerd >>"${DOCKERD_LOG}" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do
    "${DOCKER}" info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! "${DOCKER}" info >/dev/null 2>&1; then
    echo "dockerd did not answer within 60 s; last lines of ${DOCKERD_LOG}:" >&2
    tail -n 20 "${DOCKERD_LOG}" >&2 || true
    exit 1
  fi
fi
log "docker engine $("${DOCKER}" version --format '{{.Server.Version}}')"

# --- 3. local stand-in base image ------------------------------------------------------------
if "${DOCKER}" image inspect "${BASE_IMAGE_TAG}" >/dev/null 2>&1; then
  log "base image ${BASE_IMAGE_TAG} present"
else
  rootfs_tar="${CACHE_DIR}/debian-bookworm-minbase.tar"
  if [ ! -s "${rootfs_tar}" ]; then
    DEBIAN_MIRROR="${DEBIAN_MIRROR:-$("${TOOLCHAIN_DIR}/debian-mirror.sh")}"
    log "debootstrap bookworm (minbase) from ${DEBIAN_MIRROR}"
    mkdir -p "${CACHE_DIR}"
    work="$(mktemp -d "${CACHE_DIR}/debootstrap.XXXXXX")"
    trap 'rm -rf "${work}"' EXIT
    debootstrap --variant=minbase bookworm "${work}/rootfs" "${DEBIAN_MIRROR}" >"${work}/debootstrap.log" 2>&1 \
      || { tail -n 30 "${work}/debootstrap.log" >&2; exit 1; }
    # Smaller and reproducible enough: drop apt lists and caches before packing.
    rm -rf "${work}/rootfs/var/lib/apt/lists/"* "${work}/rootfs/var/cache/apt/archives/"*.deb
    tar -C "${work}/rootfs" -cf "${rootfs_tar}.tmp" .
    mv "${rootfs_tar}.tmp" "${rootfs_tar}"
    rm -rf "${work}"
    trap - EXIT
  fi
  log "importing ${rootfs_tar} as ${BASE_IMAGE_TAG}"
  "${DOCKER}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "${rootfs_tar}" "${BASE_IMAGE_TAG}" >/dev/null
fi

log "done"
