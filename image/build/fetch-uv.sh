#!/usr/bin/env bash
# Fetches the uv wheel the image carries (image/Dockerfile ARG UV_VERSION) from PyPI with pip, into the
# cache outside the repository, checked against UV_SHA256_<ARCH> from the same Dockerfile (pip's
# --require-hashes); the Dockerfile checks it again. Fetched here rather than in the build, so the
# build itself needs nothing beyond the distribution's mirror. Prints the cached wheel's path.
# Usage: fetch-uv.sh [amd64|arm64]
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${VAST_KIT_CACHE:-${HOME}/.cache/vast-kit}"
dockerfile_arg() { sed -n "s/^ARG $1=\\([0-9a-f.]*\\).*/\\1/p" "${REPO_DIR}/image/Dockerfile"; }

case "${1:-$(uname -m)}" in
  x86_64|amd64) arch=AMD64; platform=manylinux_2_17_x86_64 ;;
  aarch64|arm64) arch=ARM64; platform=manylinux_2_28_aarch64 ;;
  *) echo "fetch-uv: unsupported architecture ${1:-$(uname -m)}" >&2; exit 1 ;;
esac
version="$(dockerfile_arg UV_VERSION)"
sha="$(dockerfile_arg "UV_SHA256_${arch}")"
[ -n "${version}" ] && [ -n "${sha}" ] || { echo "fetch-uv: no ARG UV_VERSION / UV_SHA256_${arch} in image/Dockerfile" >&2; exit 1; }

dest="${CACHE_DIR}/uv/${version}/${platform}"
wheel="$(ls "${dest}"/uv-*.whl 2>/dev/null | head -n 1 || true)"
if [ -z "${wheel}" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "${tmp}"' EXIT
  echo "uv==${version} --hash=sha256:${sha}" > "${tmp}/requirements.txt"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "${platform}" \
    --require-hashes -r "${tmp}/requirements.txt" -d "${tmp}/wheel" >&2
  mkdir -p "${dest}"
  mv "${tmp}"/wheel/uv-*.whl "${dest}/"
  wheel="$(ls "${dest}"/uv-*.whl | head -n 1)"
fi
echo "${wheel}"
