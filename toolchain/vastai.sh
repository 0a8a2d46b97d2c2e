#!/usr/bin/env bash
# Installs the official Vast CLI (PyPI `vastai`, pinned) into a venv outside the repository,
# for the emulator acceptance test (vast-api.md §8). Idempotent: does nothing when the pinned
# version is already installed. The test finds the binary through VASTAI_BIN or the default path.
set -euo pipefail

VASTAI_VERSION="1.9.1"
VENV_DIR="${VASTAI_VENV:-${HOME}/.cache/vast-kit/vastai-venv}"

if [ -x "${VENV_DIR}/bin/vastai" ] \
  && "${VENV_DIR}/bin/python" -m pip show vastai 2>/dev/null | grep -x "Version: ${VASTAI_VERSION}" >/dev/null; then
  echo "vastai ${VASTAI_VERSION} already installed in ${VENV_DIR}"
  exit 0
fi

# Debian splits venv support into python3-venv; ensurepip is the part that goes missing.
if ! python3 -c 'import ensurepip' 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3-venv
fi

mkdir -p "$(dirname "${VENV_DIR}")"
python3 -m venv "${VENV_DIR}"
"${VENV_DIR}/bin/python" -m pip install --quiet --disable-pip-version-check "vastai==${VASTAI_VERSION}"
echo "vastai ${VASTAI_VERSION} installed in ${VENV_DIR}; binary: ${VENV_DIR}/bin/vastai"
