#!/usr/bin/env bash
# Brings the local stack up or down: a Docker engine, a local OCI registry on 127.0.0.1:5000, the
# Vast API emulator in Docker mode on loopback (state in .data/; its instances are real containers),
# a file backend for Pulumi state, and `pulumi up` / `pulumi destroy` of the `local` stack, which
# builds and pushes the base image, publishes the template and launches an instance of it.
#   scripts/local-stack.sh up     # start the emulator if needed, pulumi up --yes (through npm run recover)
#   scripts/local-stack.sh down   # pulumi destroy --yes and a sweep (npm run recover --destroy), stop the emulator
# Run through toolchain/run (the npm scripts `up` and `down` do), so node and pulumi are on PATH.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
data="$repo/.data"
port=18600
stack_config="$data/Pulumi.local.yaml"
mkdir -p "$data/state"
chmod 700 "$data"

# The stack's config lives beside its state: Pulumi writes the passphrase salt of this checkout
# into it, which must not end up in the repository.
[ -f "$stack_config" ] || cat >"$stack_config" <<YAML
# The local stack: the Vast API emulator on loopback stands in for console.vast.ai.
config:
  vast:apiUrl: http://127.0.0.1:$port
YAML

# Secrets generated once per checkout, kept out of the repository (.data/ is ignored).
[ -s "$data/emulator-api-key" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' > "$data/emulator-api-key")
[ -s "$data/passphrase" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' > "$data/passphrase")

export VAST_API_KEY=$(cat "$data/emulator-api-key")
export PULUMI_CONFIG_PASSPHRASE_FILE="$data/passphrase"
export PULUMI_BACKEND_URL="file://$data/state"

emulator_up() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$port/api/v0/gpu_names/unique/"; }

start_emulator() {
  emulator_up && return 0
  echo "starting the Vast API emulator on 127.0.0.1:$port (log: .data/emulator.log)"
  # Fully detached (no inherited stdout), so callers piping our output see it end.
  nohup node "$repo/emulator/cli.ts" --docker --port "$port" --api-key "$VAST_API_KEY" --state "$data/emulator.db" \
    </dev/null >"$data/emulator.log" 2>&1 &
  echo $! >"$data/emulator.pid"
  for _ in $(seq 1 100); do emulator_up && return 0; sleep 0.1; done
  echo "the emulator did not start; see .data/emulator.log" >&2
  exit 1
}

# `pulumi stack init` writes the passphrase salt to ./Pulumi.local.yaml and has no --config-file;
# move it into the stack's own config file so the repository stays clean.
select_local_stack() {
  pulumi stack select local >/dev/null 2>&1 && return 0
  pulumi stack init local >/dev/null
  if [ -f "$repo/Pulumi.local.yaml" ]; then
    grep -v '^config:' "$repo/Pulumi.local.yaml" >>"$stack_config" || true
    rm "$repo/Pulumi.local.yaml"
  fi
}

stop_emulator() {
  [ -f "$data/emulator.pid" ] && kill "$(cat "$data/emulator.pid")" 2>/dev/null || true
  rm -f "$data/emulator.pid"
}

cd "$repo"
case "${1:-}" in
  up)
    bash "$repo/toolchain/docker.sh"
    bash "$repo/toolchain/registry.sh"
    start_emulator
    select_local_stack
    # recover = pulumi up --yes, after clearing the lock of a run that was killed, then a sweep.
    node "$repo/scripts/recover.ts" --stack local --config-file "$stack_config" --cwd "$repo"
    echo
    echo "Open the portal (the token is the portal password, a stack secret):"
    pulumi stack output portalUrls --show-secrets --json --stack local | node -e 'for (const u of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log("  " + u)'
    echo "The emulator keeps running in the background (pid $(cat "$data/emulator.pid" 2>/dev/null || echo ?)); \`npm run down\` tears it all down."
    ;;
  down)
    bash "$repo/toolchain/docker.sh" >/dev/null
    start_emulator
    if pulumi stack select local >/dev/null 2>&1; then
      node "$repo/scripts/recover.ts" --stack local --config-file "$stack_config" --cwd "$repo" --destroy
    fi
    stop_emulator
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
