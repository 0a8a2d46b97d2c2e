# Sourced by toolchain scripts: pins, cache locations, PATH and offline Pulumi settings.
# Caches live outside the repository so clean clones (and CI) reuse them.
export VAST_KIT_CACHE=${VAST_KIT_CACHE:-$HOME/.cache/vast-kit}
export VAST_KIT_NODE_VERSION=24
export VAST_KIT_NODE_DIR=$VAST_KIT_CACHE/node$VAST_KIT_NODE_VERSION
# Keep in step with toolchain/pulumi-cli/go.mod and toolchain/pulumi-language-nodejs/go.mod.
export VAST_KIT_PULUMI_VERSION=v3.192.0
export VAST_KIT_PULUMI_BIN=$VAST_KIT_CACHE/pulumi-$VAST_KIT_PULUMI_VERSION/bin
export PATH=$VAST_KIT_PULUMI_BIN:$VAST_KIT_NODE_DIR/node_modules/.bin:$PATH
# No network beyond package registries: never try to download plugins or check for updates.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
