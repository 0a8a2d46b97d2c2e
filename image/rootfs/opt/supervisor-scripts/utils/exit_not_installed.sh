# Skips the service when its program is not installed (an INSTALL_*=false or offline build). `sleep 6`
# outlasts startsecs=5, so supervisord records a clean EXITED. Usage: . exit_not_installed.sh <program>
if [ ! -x "${1:?exit_not_installed.sh needs a program path}" ]; then
  echo "Skipping ${PROC_NAME} startup ($1 not installed)"
  sleep 6
  exit 0
fi
