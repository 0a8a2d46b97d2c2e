# Appended to root's and user's ~/.bashrc at build time (instance-runtime.md §1.2, stage 45).
cd "${WORKSPACE:-/workspace}" 2>/dev/null || true
set -a
# shellcheck disable=SC1091
[ -r /etc/environment ] && . /etc/environment
# shellcheck disable=SC1091
[ -r "${WORKSPACE:-/workspace}/.env" ] && . "${WORKSPACE:-/workspace}/.env"
set +a
# shellcheck disable=SC1091
[ -s /opt/nvm/nvm.sh ] && . /opt/nvm/nvm.sh
if [ "${CONDA_SHLVL:-0}" = 0 ] && [ -r "/venv/${ACTIVE_VENV:-main}/bin/activate" ]; then
  # shellcheck disable=SC1090
  . "/venv/${ACTIVE_VENV:-main}/bin/activate"
fi
if [ -f /.provisioning ]; then
  printf '\033[0;31m>>> Instance provisioning is not yet complete: see /var/log/portal/provisioning.log\033[0m\n'
fi
