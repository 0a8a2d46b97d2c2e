# Serverless instances run no interactive services. `sleep 6` outlasts startsecs=5, so supervisord
# records a clean EXITED (not FATAL) and, with autorestart=unexpected, never restarts it.
if [ "${SERVERLESS,,}" = true ]; then
  echo "Skipping ${PROC_NAME} startup (serverless)"
  sleep 6
  exit 0
fi
