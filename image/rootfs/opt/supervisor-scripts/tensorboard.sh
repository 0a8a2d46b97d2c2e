#!/bin/bash
# Tensorboard on 127.0.0.1:16006 behind the portal (6006 in the default PORTAL_CONFIG); instance-runtime.md §8.
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
. /opt/supervisor-scripts/utils/exit_portal.sh "tensorboard"

tensorboard_bin="${TENSORBOARD_BIN:-/venv/main/bin/tensorboard}"
# Debian has no Tensorboard package, so a build with Debian's Jupyter (JUPYTER_SOURCE=apt) leaves it out.
. /opt/supervisor-scripts/utils/exit_not_installed.sh "${tensorboard_bin}"
cd "${WORKSPACE:-/}" || cd /
echo "Starting tensorboard on 127.0.0.1:16006, logs from ${TENSORBOARD_LOG_DIR:-${WORKSPACE:-/workspace}}"
exec "${tensorboard_bin}" --host 127.0.0.1 --port 16006 --logdir "${TENSORBOARD_LOG_DIR:-${WORKSPACE:-/workspace}}"
