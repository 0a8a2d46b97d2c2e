#!/usr/bin/env bash
# Builds, idempotently, what @pulumi/docker-build needs on these machines (release downloads are
# unreachable; see ../../shared/reference/pulumi.md §7), into $VAST_KIT_DOCKER_BUILD_BIN:
#   - pulumi-resource-docker-build, the provider plugin, from its Go module at the pinned version,
#     found by the engine on PATH (toolchain/env.sh);
#   - docker-buildx, the buildx CLI at the version that module pins, linked into the Docker CLI's
#     plugin directory: BaseImage builds with `exec: true` (components/base-image.ts says why).
#
# Why the module is patched: v0.0.22, the only version the Go module proxy serves, requires
# github.com/pulumi/pulumi-java v1.29.0 and github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3
# v3.107.0, whose zips the proxy refuses (403); other versions of them no longer compile against it.
# It imports them in one file only, provider/internal/provider.go, for the "csharp" and "java"
# entries of the schema's language map: metadata that SDK generators read, never the provider at
# run time. The patch drops those two imports and entries and the two requirements, nothing else;
# the module zip is pinned by hash, so the patch applies to known bytes or the script stops.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/toolchain/env.sh"
log() { echo "toolchain: $*" >&2; }
fail() { log "docker-build: $*"; exit 1; }

module=github.com/pulumi/pulumi-docker-build
# The module zip's hash as the checksum database lists it (go.sum's h1: form).
module_sum="h1:cT9hZcg16hy21mBHxdt2/+zQKcGc2ic1zeMpfefJCqU="
bin=$VAST_KIT_DOCKER_BUILD_BIN
src=$(dirname "$bin")/src

if [ ! -x "$bin/pulumi-resource-docker-build" ] || [ ! -x "$bin/docker-buildx" ]; then
  command -v go >/dev/null || fail "Go >= 1.26 is needed to build the plugin (none on PATH)"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
  log "building pulumi-resource-docker-build $VAST_KIT_DOCKER_BUILD_VERSION and docker-buildx from Go modules (a few minutes when cold)"
  mkdir -p "$(dirname "$src")"
  # Outside any module, so no go.mod or go.sum is touched.
  info=$(cd "$(dirname "$src")" && go mod download -json "$module@$VAST_KIT_DOCKER_BUILD_VERSION")
  field() { sed -n "s/^\t\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$info"; }
  [ "$(field Sum)" = "$module_sum" ] || fail "$module@$VAST_KIT_DOCKER_BUILD_VERSION has hash '$(field Sum)', pinned $module_sum"

  rm -rf "$src"
  cp -r "$(field Dir)" "$src"
  chmod -R u+w "$src"
  file=$src/provider/internal/provider.go
  sed -i -e '\#^\tcsgen "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen"$#d' \
         -e '\#^\t"github.com/pulumi/pulumi-java/pkg/codegen/java"$#d' \
         -e '/^\t*"csharp": csgen\.CSharpPackageInfo{$/,/^\t*"nodejs": tsgen\.NodePackageInfo{$/{/"nodejs"/!d}' "$file"
  sed -i -e '\#^\tgithub.com/pulumi/pulumi-java v#d' \
         -e '\#^\tgithub.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 v#d' "$src/go.mod"
  ! grep -En 'pulumi-java|pulumi-dotnet|csgen|java\.' "$file" "$src/go.mod" >&2 \
    || fail "the patch no longer applies: the lines above still mention pulumi-java or pulumi-dotnet"
  grep -q '"nodejs": tsgen.NodePackageInfo{' "$file" || fail "the patch removed more than the csharp and java entries"

  mkdir -p "$bin"
  (cd "$src" && go build -trimpath -ldflags "-s -w -X $module/provider.Version=$VAST_KIT_DOCKER_BUILD_VERSION" \
    -o "$bin/pulumi-resource-docker-build.tmp" ./provider/cmd/pulumi-resource-docker-build)
  buildx_version=$(cd "$src" && go list -m -f '{{.Version}}' github.com/docker/buildx)
  (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/docker/buildx/version.Version=$buildx_version" \
    -o "$bin/docker-buildx.tmp" github.com/docker/buildx/cmd/buildx)
  mv "$bin/pulumi-resource-docker-build.tmp" "$bin/pulumi-resource-docker-build"
  mv "$bin/docker-buildx.tmp" "$bin/docker-buildx"
fi

# The Docker CLI (and docker-build's exec mode) look for docker-buildx here; a buildx of the
# user's own in that place is left alone.
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
if [ ! -e "$plugins/docker-buildx" ] || [[ "$(readlink "$plugins/docker-buildx")" == "$VAST_KIT_CACHE"/* ]]; then
  mkdir -p "$plugins"
  ln -sfn "$bin/docker-buildx" "$plugins/docker-buildx"
fi
