#!/usr/bin/env bash
# Inside an image build (image/Dockerfile bind-mounts it beside fetch-pinned.sh): creates the main
# Python environment, /venv/main, in one of two ways, chosen by the PYTHON_ENV build arg:
#   venv       (the default, offline): a venv of the system Python; its own bin/activate.
#   miniforge  as the original image (original-image-contents.md, instance-runtime.md §8.2): the
#              Miniforge installer, pinned by MINIFORGE_VERSION and a sha256 per architecture and
#              fetched through fetch-pinned.sh, installed at MINIFORGE_PREFIX; /venv/main a conda env
#              of PYTHON_VERSION with pip; a venv-style bin/activate that activates it; `conda` on
#              PATH; base not auto-activated. Needs github.com and conda-forge.
# Either way `. /venv/main/bin/activate` works, and ${MAIN_ENV}/.vast-kit-main-env records what was
# made (for a Miniforge env: the URL and sha256 it was installed from).
#   main-env.sh [--system-site-packages]
# Paths are variables (MAIN_ENV, MINIFORGE_PREFIX, BIN_DIR) so tests can run it outside an image.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kind=${PYTHON_ENV:-venv}
main_env=${MAIN_ENV:-/venv/main}
record="${main_env}/.vast-kit-main-env"

case "$kind" in
  venv)
    python3 -m venv "$@" "$main_env"
    printf 'kind=venv\npython=%s\n' "$("${main_env}/bin/python" -c 'import platform; print(platform.python_version())')" >"$record"
    ;;
  miniforge)
    if [ "${1:-}" = --system-site-packages ]; then
      # The distribution's packages belong to the system Python, not to conda's.
      echo "main-env: PYTHON_ENV=miniforge needs JUPYTER_SOURCE=pip (the distribution's Jupyter cannot live in a conda env)" >&2
      exit 1
    fi
    : "${MINIFORGE_VERSION:?} ${MINIFORGE_SHA256_AMD64:?} ${MINIFORGE_SHA256_ARM64:?} ${PYTHON_VERSION:?}"
    prefix=${MINIFORGE_PREFIX:-/opt/miniforge3}
    # conda trusts the build CA like curl and pip do (build-ca-env.sh), for this step only.
    if [ -n "${CURL_CA_BUNDLE:-}" ]; then export CONDA_SSL_VERIFY=$CURL_CA_BUNDLE; fi
    # Release assets name the machine (x86_64, aarch64); fetch-pinned.sh picks the sha256 by Debian architecture.
    url=${MINIFORGE_URL:-https://github.com/conda-forge/miniforge/releases/download/${MINIFORGE_VERSION}/Miniforge3-${MINIFORGE_VERSION}-Linux-$(uname -m).sh}
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    bash "${here}/fetch-pinned.sh" "$url" "$MINIFORGE_SHA256_AMD64" "$MINIFORGE_SHA256_ARM64" "$installer"
    bash "$installer" -b -p "$prefix"
    "${prefix}/bin/conda" config --system --set auto_activate_base false
    "${prefix}/bin/conda" create -y -p "$main_env" "python=${PYTHON_VERSION}" pip
    "${prefix}/bin/conda" clean -afy
    install -d "${BIN_DIR:-/usr/local/bin}"
    ln -sf "${prefix}/condabin/conda" "${BIN_DIR:-/usr/local/bin}/conda"
    cat >"${main_env}/bin/activate" <<EOF
# Written by the image build: activates the Miniforge env ${main_env} the way a venv's activate does.
. "${prefix}/etc/profile.d/conda.sh"
conda activate "${main_env}"
echo "Activated conda/uv virtual environment at ${main_env}"
EOF
    sha=$(sha256sum "$installer" | cut -d' ' -f1)
    printf 'kind=miniforge\nversion=%s\nurl=%s\nsha256=%s\n' "$MINIFORGE_VERSION" "$url" "$sha" >"$record"
    ;;
  *)
    echo "main-env: PYTHON_ENV must be venv or miniforge, not ${kind}" >&2
    exit 1
    ;;
esac
