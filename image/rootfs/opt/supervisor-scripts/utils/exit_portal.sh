# Starts the service only when /etc/portal.yaml names it. Usage: . exit_portal.sh "<search term>"
# The portal writes /etc/portal.yaml atomically; a reader still waits for a *non-empty* file, with a
# time limit, and fails loudly rather than self-skip on a missing file (instance-runtime.md §11, 2-4).
portal_yaml="$(realpath -m /etc/portal.yaml)"
wait_limit="${PORTAL_YAML_WAIT_SECONDS:-120}"
waited=0
until [ -s "${portal_yaml}" ]; do
  if [ "${waited}" -ge "${wait_limit}" ]; then
    echo "ERROR: ${portal_yaml} is missing or empty after ${wait_limit}s; not starting ${PROC_NAME}"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done

skip_dir=/tmp/supervisor-skip
mkdir -p "${skip_dir}" 2>/dev/null && chmod 1777 "${skip_dir}" 2>/dev/null
if ! grep -qiE "^[^#].*${1:?exit_portal.sh needs a search term}" "${portal_yaml}"; then
  echo "Skipping ${PROC_NAME} startup (not in /etc/portal.yaml)"
  touch "${skip_dir}/${PROC_NAME}"
  sleep 6
  exit 0
fi
rm -f "${skip_dir}/${PROC_NAME}"
