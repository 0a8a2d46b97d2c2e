# For services that must not start before PROVISIONING_SCRIPT has finished (the entrypoint removes
# /.provisioning when it is done, successfully or not). Usage: . wait_provisioning.sh
if [ -f /.provisioning ]; then
  echo "Waiting for provisioning to finish before starting ${PROC_NAME}"
  while [ -f /.provisioning ]; do sleep 2; done
fi
