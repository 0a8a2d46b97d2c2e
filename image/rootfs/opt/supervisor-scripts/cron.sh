#!/bin/bash
# cron in every launch mode, serverless included (instance-runtime.md §8.4).
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
exec cron -f
