#!/bin/bash
# The instance portal: authenticating proxy fronts, landing page, tunnels, logs (portal/server.ts).
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
echo "Starting instance portal"
exec /opt/portal/node/bin/node /opt/portal/main.js portal
