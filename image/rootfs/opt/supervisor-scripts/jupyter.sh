#!/bin/bash
# Jupyter on 127.0.0.1:18080 behind the portal (which does auth); instance-runtime.md §7.3, §8.7.
# shellcheck disable=SC1091
. /opt/supervisor-scripts/utils/logging.sh
. /opt/supervisor-scripts/utils/environment.sh
. /opt/supervisor-scripts/utils/exit_serverless.sh
if [ -f /.launch ] && grep -qi jupyter /.launch && [ "${JUPYTER_OVERRIDE,,}" != true ]; then
  echo "Refusing to start jupyter (/.launch managing)"
  sleep 6
  exit 0
fi
. /opt/supervisor-scripts/utils/exit_portal.sh "jupyter"

jupyter_bin="${JUPYTER_BIN:-/venv/main/bin/jupyter}"
. /opt/supervisor-scripts/utils/exit_not_installed.sh "${jupyter_bin}"
cd "${WORKSPACE:-/}" || cd /
# Notebook 6 (Debian's package) is a NotebookApp; notebook 7 runs on jupyter_server's ServerApp.
major="$("${jupyter_bin%/jupyter}/python" -c 'import notebook; print(notebook.__version__.split(".")[0])' 2>/dev/null || echo 7)"
if [ "${major}" -lt 7 ]; then app=NotebookApp; token=(--NotebookApp.token=''); else app=ServerApp; token=(--IdentityProvider.token=''); fi
echo "Starting jupyter ${JUPYTER_TYPE:-notebook} (notebook ${major}.x)"
exec "${jupyter_bin}" "${JUPYTER_TYPE:-notebook}" \
  --allow-root --ip=127.0.0.1 --port=18080 --no-browser \
  "${token[@]}" --${app}.password='' \
  --${app}.trust_xheaders=True --${app}.allow_remote_access=True \
  --${app}.allow_origin='*' --${app}.allow_credentials=True \
  --${app}.preferred_dir="${DATA_DIRECTORY:-/workspace}" \
  --ContentsManager.allow_hidden=True --KernelSpecManager.ensure_native_kernel=False
