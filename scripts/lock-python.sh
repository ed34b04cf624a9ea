#!/usr/bin/env bash
# Regenerates python/requirements.lock from python/requirements.in: every package of the resolved
# set, pinned, with the hashes of its files, for Python 3.10+ on x86_64 Linux. The resolver (uv,
# from PyPI, pinned here) runs from a throwaway virtualenv in .cache/.
set -euo pipefail

cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
TOOLS=.cache/python/lock-tools

[[ -x $TOOLS/bin/uv && $("$TOOLS/bin/uv" --version) == "uv $UV_VERSION"* ]] || {
  rm -rf "$TOOLS"
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet "uv==$UV_VERSION"
}
"$TOOLS/bin/uv" pip compile python/requirements.in --generate-hashes --python-version 3.11 \
  --python-platform x86_64-manylinux_2_28 --custom-compile-command scripts/lock-python.sh --quiet -o python/requirements.lock
echo "lock-python: wrote python/requirements.lock" >&2
