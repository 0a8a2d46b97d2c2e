#!/usr/bin/env bash
# Installs what the project runs on, idempotently, with caches outside the repository:
#   - Node 24 from the npm registry when the machine's Node is older than 22;
#   - the project's npm dependencies (npm ci when package-lock.json changed);
#   - the Pulumi CLI and its Node.js language host, built from Go modules at the pinned version
#     (release downloads are unreachable here; see ../../shared/reference/pulumi.md §7), unless a
#     `pulumi` of at least that version is already on PATH;
#   - the dynamic-provider shim next to the CLI.
# Prints nothing but progress on stderr; `toolchain/env.sh` puts the results on PATH.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/toolchain/env.sh"
log() { echo "toolchain: $*" >&2; }

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$VAST_KIT_NODE_DIR/node_modules/.bin/node" ]; then
    log "installing Node $VAST_KIT_NODE_VERSION from the npm registry into $VAST_KIT_NODE_DIR"
    mkdir -p "$VAST_KIT_NODE_DIR"
    npm install --prefix "$VAST_KIT_NODE_DIR" --no-audit --no-fund --loglevel=error "node@$VAST_KIT_NODE_VERSION" >&2
  fi
  hash -r
fi
[ "$(node_major)" -ge 22 ] || { log "Node >= 22 is required, found $(node --version)"; exit 1; }

stamp="$repo/node_modules/.vast-kit-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$repo/package-lock.json" "$stamp"; then
  log "installing npm dependencies (npm ci)"
  (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$repo/package-lock.json" "$stamp"
fi

# A suitable pulumi already on PATH (outside our cache) wins.
have_pulumi() {
  local v
  v=$(pulumi version 2>/dev/null | sed -E 's/^v//') || return 1
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "${VAST_KIT_PULUMI_VERSION#v}" "$v" | sort -V | head -1)" = "${VAST_KIT_PULUMI_VERSION#v}" ]
}
if ! have_pulumi; then
  command -v go >/dev/null || { log "Go >= 1.24 is needed to build the Pulumi CLI (none on PATH)"; exit 1; }
  mkdir -p "$VAST_KIT_PULUMI_BIN"
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VAST_KIT_PULUMI_VERSION"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
  # The language host is fetched by pseudo-version, which the checksum database does not list.
  export GONOSUMDB=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs
  if [ ! -x "$VAST_KIT_PULUMI_BIN/pulumi-language-nodejs" ]; then
    log "building pulumi-language-nodejs $VAST_KIT_PULUMI_VERSION from Go modules (a few minutes when cold)"
    (cd "$repo/toolchain/pulumi-language-nodejs" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
      -o "$VAST_KIT_PULUMI_BIN/pulumi-language-nodejs.tmp" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
    mv "$VAST_KIT_PULUMI_BIN/pulumi-language-nodejs.tmp" "$VAST_KIT_PULUMI_BIN/pulumi-language-nodejs"
  fi
  if [ ! -x "$VAST_KIT_PULUMI_BIN/pulumi" ]; then
    log "building the pulumi CLI $VAST_KIT_PULUMI_VERSION from Go modules (10-20 minutes when cold)"
    (cd "$repo/toolchain/pulumi-cli" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
      -o "$VAST_KIT_PULUMI_BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$VAST_KIT_PULUMI_BIN/pulumi.tmp" "$VAST_KIT_PULUMI_BIN/pulumi"
  fi
  hash -r
  have_pulumi || { log "pulumi $VAST_KIT_PULUMI_VERSION did not come up: $(pulumi version 2>&1)"; exit 1; }
fi

# Dynamic providers run through this shim, which the engine looks for next to `pulumi` (pulumi.md §7.4).
pulumi_dir=$(dirname "$(readlink -f "$(command -v pulumi)")")
shim="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
if ! cmp -s "$shim" "$pulumi_dir/pulumi-resource-pulumi-nodejs" 2>/dev/null; then
  install -m 0755 "$shim" "$pulumi_dir/pulumi-resource-pulumi-nodejs"
fi
log "ready: node $(node --version), pulumi $(pulumi version)"
