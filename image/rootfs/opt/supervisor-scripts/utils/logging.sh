# Sourced first by every wrapper: output goes to /var/log/portal/${PROC_NAME}.log (what the portal's
# logs tab shows) and to stdout (what supervisord forwards to the container log). The previous run's
# file is kept as .old. Usage: . logging.sh [log-file]
log_file="${1:-/var/log/portal/${PROC_NAME:?PROC_NAME must be set by the supervisor conf}.log}"
mkdir -p "$(dirname "${log_file}")" 2>/dev/null || true
if [ -f "${log_file}" ]; then mv -f "${log_file}" "${log_file}.old" 2>/dev/null || true; fi
# The copy ignores supervisord's TERM to the program's group and ends when the service closes its
# output: a service's last lines are kept, and one that logs while stopping (Syncthing's monitor) does
# not die of a broken pipe before it has stopped its own children.
exec > >(trap '' TERM INT; tee -a "${log_file}") 2>&1
