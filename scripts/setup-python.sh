#!/usr/bin/env bash
# The Python environment of the tests: a virtualenv in the git-ignored .cache/python/, made with
# this machine's python3 from python/requirements.lock (every package pinned, with hashes), and
# pyspark's jars/ folder completed with the connector jars of functions/spark/jars.txt, as the
# Spark image completes /opt/spark/jars. Each environment lives in a folder named by what it was
# made from, and .cache/python/venv points at the current one: a change of the lock, the jars or
# python3 makes a new one without pulling the old one from under a test that still runs in it.
# Prints the virtualenv's folder on stdout.
set -euo pipefail

SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SCRIPT")/.."
ROOT=$PWD
BASE=.cache/python
LOCK=python/requirements.lock
PYTHON=${PYTHON:-python3}

log() { printf 'setup-python: %s\n' "$*" >&2; }

jars=$(scripts/fetch-spark-jars.sh)
fingerprint=$({ cat "$SCRIPT" "$LOCK" functions/spark/jars.txt; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
VENV=$BASE/venv-$fingerprint
if [[ -f $VENV/.complete && $(readlink "$BASE/venv" 2>/dev/null) == "venv-$fingerprint" ]]; then
  echo "$ROOT/$BASE/venv"
  exit 0
fi

if [[ ! -f $VENV/.complete ]]; then
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { log "$PYTHON is older than 3.10"; exit 1; }
  log "creating $VENV from $LOCK"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-deps --require-hashes -r "$LOCK" >&2
  site=$("$VENV/bin/python" -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')
  cp "$jars"/*.jar "$site/jars/"
  touch "$VENV/.complete"
fi
previous=$(readlink "$BASE/venv" 2>/dev/null || true)
# An environment of the first layout, a folder rather than a link.
if [[ -d $BASE/venv && ! -L $BASE/venv ]]; then rm -rf "$BASE/venv"; fi
ln -sfn "venv-$fingerprint" "$BASE/venv.tmp" && mv -Tf "$BASE/venv.tmp" "$BASE/venv"
# Keep the environment just replaced (a test may still run in it); remove older ones.
for old in "$BASE"/venv-*; do
  [[ $(basename "$old") == "venv-$fingerprint" || $(basename "$old") == "$previous" ]] || rm -rf "$old"
done
log "ready: $("$VENV/bin/python" --version), pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)') with $(find "$jars" -name '*.jar' | wc -l) connector jars"
echo "$ROOT/$BASE/venv"
