# Copies each top-level item of /opt/workspace-internal into $WORKSPACE unless it is already there,
# so a fresh volume gets the image's starter files and an existing one keeps the user's copy.
# A lock per item keeps co-located instances sharing a volume from copying at the same time.
if [ -d /opt/workspace-internal ]; then
  mkdir -p "${WORKSPACE:-/workspace}"
  for item in /opt/workspace-internal/* /opt/workspace-internal/.[!.]*; do
    [ -e "${item}" ] || continue
    name="$(basename "${item}")"
    (
      flock -w 30 9 || exit 0
      [ -e "${WORKSPACE:-/workspace}/${name}" ] || cp -a "${item}" "${WORKSPACE:-/workspace}/${name}"
    ) 9>"${WORKSPACE:-/workspace}/.sync_${name}.lock"
  done
fi
