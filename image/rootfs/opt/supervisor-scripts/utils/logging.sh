# Sourced first by every wrapper: output goes raw to /var/log/portal/${PROC_NAME}.log (what the portal's
# logs tab shows) and, without colour codes and with carriage returns made line ends, to
# /var/log/${PROC_NAME}.log and stdout (what supervisord forwards to the container log), as the
# original's log-tee does (instance-runtime.md §8). The previous run's files are kept as .old.
# Usage: . logging.sh [log-file]
log_file="${1:-/var/log/portal/${PROC_NAME:?PROC_NAME must be set by the supervisor conf}.log}"
clean_log_file="/var/log/$(basename "${log_file}")"
mkdir -p "$(dirname "${log_file}")" 2>/dev/null || true
for f in "${log_file}" "${clean_log_file}"; do
  if [ -f "${f}" ]; then mv -f "${f}" "${f}.old" 2>/dev/null || true; fi
done
# A service that drops privileges cannot create files in /var/log; the boot hook
# 11-service-logs.sh made its clean log beforehand, and a failed `mv` above keeps appending to it.
# The copies ignore supervisord's TERM to the program's group and end when the service closes its
# output: a service's last lines are kept, and one that logs while stopping (Syncthing's monitor) does
# not die of a broken pipe before it has stopped its own children.
exec > >(trap '' TERM INT; tee -a "${log_file}" | sed -u -E 's#\x1b\[[0-9;?]*[ -/]*[@-~]##g; s#\x1b[@-Z\\-_]##g; s#\r#\n#g' | tee -a "${clean_log_file}") 2>&1
