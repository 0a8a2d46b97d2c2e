#!/bin/bash
# `caddy` is the original image's proxy program, and its seed README says to run
# `supervisorctl restart caddy` after editing /etc/portal.yaml. Our proxy is the portal itself
# (instance_portal), which reads /etc/portal.yaml when it starts; so this program's every start but
# the first in a container run restarts the portal, and otherwise it only stays up.
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
# No proxy in serverless mode (instance-runtime.md §8.9).
. /opt/supervisor-scripts/utils/exit_serverless.sh

# /dev/shm is a fresh tmpfs each time the container starts: the marker says "not the boot's start".
started_marker=/dev/shm/vast-kit-caddy-started
if [ -e "${started_marker}" ]; then
  echo "Restarting instance_portal, the proxy, so it picks up /etc/portal.yaml"
  supervisorctl restart instance_portal
else
  touch "${started_marker}"
fi
exec sleep infinity
