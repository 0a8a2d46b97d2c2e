#!/bin/bash
# The instance portal: authenticating proxy fronts, landing page, tunnels, logs (portal/server.ts).
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
echo "Starting instance portal"
# Node flags and malloc settings come from portal/app-flags.ts (the benchmark uses the same):
# NAME=value lines for the environment, then flags. Without them the portal still starts.
node=/opt/portal/node/bin/node
launch_env=()
launch_flags=()
while IFS= read -r setting; do
    if [[ $setting == --* ]]; then launch_flags+=("$setting"); elif [[ -n $setting ]]; then launch_env+=("$setting"); fi
done < <("$node" /opt/portal/main.js portal-launch || true)
exec env "${launch_env[@]}" "$node" "${launch_flags[@]}" /opt/portal/main.js portal
