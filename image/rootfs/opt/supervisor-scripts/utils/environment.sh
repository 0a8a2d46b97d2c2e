# Re-reads /etc/environment and $WORKSPACE/.env, so `supervisorctl restart <name>` picks up edits to
# either (instance-runtime.md §7.2). Usage: . environment.sh
set -a
# shellcheck disable=SC1091
[ -r /etc/environment ] && . /etc/environment
# shellcheck disable=SC1091
[ -r "${WORKSPACE:-/workspace}/.env" ] && . "${WORKSPACE:-/workspace}/.env"
set +a
