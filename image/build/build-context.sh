#!/usr/bin/env bash
# Fills image/.build/ (the generated part of the build context):
#   app/                     portal/main.ts bundled by esbuild (main.js and its chunks: the portal, its
#                            front process and the entrypoint) + package.json
#   static/                  the portal's static files (portal/static), read at run time
#   node-<arch>/node         the pinned Node runtime (image/build/fetch-node.sh), per architecture
#   uv/uv-<arch>.whl         the pinned uv wheel (image/build/fetch-uv.sh), per architecture
# Usage: build-context.sh [amd64|arm64 ...]   (default: this machine's architecture)
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${VAST_KIT_CACHE:-${HOME}/.cache/vast-kit}"
OUT="${REPO_DIR}/image/.build"
NODE_BIN_DIR="${VAST_KIT_NODE_BIN:-${HOME}/.cache/vast-kit/node24/node_modules/.bin}"
export PATH="${NODE_BIN_DIR}:${PATH}"

archs=("$@")
if [ "${#archs[@]}" -eq 0 ]; then
  case "$(uname -m)" in x86_64) archs=(amd64) ;; aarch64) archs=(arm64) ;; *) archs=("$(uname -m)") ;; esac
fi

# cp only when different, so the file's mtime (and the build cache) stay put on warm runs.
copy_if_changed() {
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2"
  fi
}

mkdir -p "${OUT}"
version="$(sed -n 's/^ARG PORTAL_NODE_VERSION=\([0-9.]*\).*/\1/p' "${REPO_DIR}/image/Dockerfile")"
for arch in "${archs[@]}"; do
  case "${arch}" in amd64) npm_arch=x64 ;; arm64) npm_arch=arm64 ;; *) echo "unsupported arch ${arch}" >&2; exit 1 ;; esac
  "${REPO_DIR}/image/build/fetch-node.sh" "${arch}" >/dev/null
  copy_if_changed "${CACHE_DIR}/portal-node/${version}/linux-${npm_arch}/bin/node" "${OUT}/node-${arch}/node"
  copy_if_changed "$("${REPO_DIR}/image/build/fetch-uv.sh" "${arch}")" "${OUT}/uv/uv-${arch}.whl"
done

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
(cd "${REPO_DIR}" && node image/build/bundle.ts "${tmp}/app")
printf '{ "type": "module", "private": true }\n' > "${tmp}/app/package.json"
cp -r "${REPO_DIR}/portal/static" "${tmp}/static"
# Replace a directory only when its content changed, so mtimes (and the build cache) stay put on warm runs.
for dir in app static; do
  if ! diff -rq "${tmp}/${dir}" "${OUT}/${dir}" >/dev/null 2>&1; then rm -rf "${OUT:?}/${dir}"; mv "${tmp}/${dir}" "${OUT}/${dir}"; fi
done
echo "[build-context] ${OUT}: app/ $(du -sk "${OUT}/app" | cut -f1) KiB, node ${version} for ${archs[*]}"
