#!/usr/bin/env bash
# Inside an image build: downloads a release file for this machine's architecture and checks it
# against the sha256 pinned for that architecture, trusting the build CA secret when one is
# given (environment.md: outbound TLS is intercepted here). Bind-mounted by image/Dockerfile.
#   fetch-pinned.sh URL SHA256_AMD64 SHA256_ARM64 DEST
# `{arch}` in URL becomes the Debian architecture (amd64, arm64).
set -euo pipefail
url=$1 sha_amd64=$2 sha_arm64=$3 dest=$4
arch=${FETCH_PINNED_ARCH:-$(dpkg --print-architecture)}
case "$arch" in
  amd64) sha=$sha_amd64 ;;
  arm64) sha=$sha_arm64 ;;
  *) echo "fetch-pinned: unsupported architecture $arch" >&2; exit 1 ;;
esac
ca=()
if [ -s /run/secrets/build_ca ]; then
  bundle=$(mktemp)
  trap 'rm -f "$bundle"' EXIT
  cat /etc/ssl/certs/ca-certificates.crt /run/secrets/build_ca >"$bundle"
  ca=(--cacert "$bundle")
fi
curl -fsSL "${ca[@]}" -o "$dest" "${url//\{arch\}/$arch}"
echo "$sha  $dest" | sha256sum -c - >&2
