#!/usr/bin/env bash
# The Python environment of the tests: a virtualenv in the git-ignored .cache/python/venv, made
# with this machine's python3 from python/requirements.lock (every package pinned, with hashes),
# and pyspark's jars/ folder completed with the connector jars of functions/spark/jars.txt, as the
# Spark image completes /opt/spark/jars. Rebuilt only when the lock, the jars or python3 change.
# Prints the virtualenv's folder on stdout.
set -euo pipefail

SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SCRIPT")/.."
ROOT=$PWD
VENV=.cache/python/venv
LOCK=python/requirements.lock
PYTHON=${PYTHON:-python3}

log() { printf 'setup-python: %s\n' "$*" >&2; }

jars=$(scripts/fetch-spark-jars.sh)
fingerprint=$({ cat "$SCRIPT" "$LOCK" functions/spark/jars.txt; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
if [[ -f $VENV/.complete && $(<"$VENV/.complete") == "$fingerprint" ]]; then
  echo "$ROOT/$VENV"
  exit 0
fi

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { log "$PYTHON is older than 3.10"; exit 1; }
log "creating $VENV from $LOCK"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --no-deps --require-hashes -r "$LOCK" >&2
site=$("$VENV/bin/python" -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')
cp "$jars"/*.jar "$site/jars/"
echo "$fingerprint" >"$VENV/.complete"
log "ready: $("$VENV/bin/python" --version), pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)') with $(find "$jars" -name '*.jar' | wc -l) connector jars"
echo "$ROOT/$VENV"
