#!/usr/bin/env bash
# Builds the image with Debian's docker client and BuildKit, on the local Debian stand-in base by
# default, with the components that need the internet beyond Debian's mirror switched off and
# Jupyter/Syncthing from Debian's packages. Extra arguments go to `docker build`.
#   build-image.sh [-t TAG] [--build-arg K=V ...]
# The large tool groups (build, media, GPU: about 1 GB on Debian) are left out unless
# VAST_KIT_IMAGE_TOOLS=true. VAST_KIT_IMAGE_BASE overrides BASE_IMAGE; VAST_KIT_IMAGE_ONLINE=1 builds with the upstream
# components (pip, GitHub releases), handing the TLS-intercepting CA in as the BuildKit secret
# `build_ca` (VAST_KIT_BUILD_CA, default: the first CA in /usr/local/share/ca-certificates/).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"${REPO_DIR}/image/build/build-context.sh"

args=(--build-arg "BASE_IMAGE=${VAST_KIT_IMAGE_BASE:-vast-kit/debian-base:bookworm}")
# The CA reaches the build in both modes, so a PyPI component switched on by hand (e.g.
# --build-arg INSTALL_TENSORBOARD=true) also builds behind the TLS-intercepting proxy.
ca="${VAST_KIT_BUILD_CA:-}"
if [ -z "${ca}" ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  # All local CAs in one bundle, outside the context; it reaches the build only as a secret.
  ca="$(mktemp)"
  trap 'rm -f "${ca}"' EXIT
  cat /usr/local/share/ca-certificates/*.crt > "${ca}"
fi
if [ -n "${ca}" ]; then args+=(--secret "id=build_ca,src=${ca}"); fi
if [ "${VAST_KIT_IMAGE_ONLINE:-0}" != 1 ]; then
  args+=(
    --build-arg JUPYTER_SOURCE=apt
    --build-arg SYNCTHING_SOURCE=apt
    --build-arg INSTALL_CLOUDFLARED=false
    --build-arg INSTALL_VASTAI=false
    --build-arg INSTALL_NVM=false
    --build-arg "INSTALL_BUILD_TOOLS=${VAST_KIT_IMAGE_TOOLS:-false}"
    --build-arg "INSTALL_MEDIA_TOOLS=${VAST_KIT_IMAGE_TOOLS:-false}"
    --build-arg "INSTALL_GPU_TOOLS=${VAST_KIT_IMAGE_TOOLS:-false}"
  )
fi

DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain "${args[@]}" "$@" -f "${REPO_DIR}/image/Dockerfile" "${REPO_DIR}/image"
