#!/usr/bin/env bash
# Fetches the Node runtime the image carries (image/Dockerfile ARG PORTAL_NODE_VERSION) from the npm
# registry package node-linux-<arch> (the same binary the toolchain's `node` package installs), into
# the cache outside the repository. Prints nothing new when it is already there. The Dockerfile
# checks the binary against PORTAL_NODE_SHA256_<ARCH>, so a changed download fails the build.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${VAST_KIT_CACHE:-${HOME}/.cache/vast-kit}"
version="$(sed -n 's/^ARG PORTAL_NODE_VERSION=\([0-9.]*\).*/\1/p' "${REPO_DIR}/image/Dockerfile")"
[ -n "${version}" ] || { echo "fetch-node: no ARG PORTAL_NODE_VERSION in image/Dockerfile" >&2; exit 1; }

case "${1:-$(uname -m)}" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "fetch-node: unsupported architecture ${1:-$(uname -m)}" >&2; exit 1 ;;
esac

dest="${CACHE_DIR}/portal-node/${version}/linux-${arch}"
if [ -x "${dest}/bin/node" ]; then
  echo "[fetch-node] node ${version} linux-${arch} cached in ${dest}"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
# npm verifies the tarball against the registry's integrity hash.
(cd "${tmp}" && npm pack --silent "node-linux-${arch}@${version}" >/dev/null)
tar -C "${tmp}" -xzf "${tmp}"/node-linux-"${arch}"-"${version}".tgz
mkdir -p "${dest}/bin"
install -m 0755 "${tmp}/package/bin/node" "${dest}/bin/node"
echo "[fetch-node] node ${version} linux-${arch} -> ${dest} (sha256 $(sha256sum "${dest}/bin/node" | cut -d' ' -f1))"
