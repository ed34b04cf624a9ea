#!/usr/bin/env bash
# Resolves the Spark connector jars (functions/spark/pom.xml) with Maven into the git-ignored
# .cache/spark-jars/ and checks them against functions/spark/jars.txt, the lock the Spark image
# installs: one `group:artifact:version sha256` a line. A resolution that differs from the lock
# fails, naming the difference. With --write the lock is rewritten from the resolution instead.
# Prints the folder of the jars on stdout. A second run with everything in place only checks.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
POM=functions/spark/pom.xml
LOCK=functions/spark/jars.txt
OUT=.cache/spark-jars
WRITE=${1:-}

log() { printf 'fetch-spark-jars: %s\n' "$*" >&2; }

if [[ $WRITE != --write && -f $OUT/.complete && $(<"$OUT/.complete") == $(sha256sum "$POM" "$LOCK" | sha256sum | cut -c1-16) ]]; then
  echo "$ROOT/$OUT"
  exit 0
fi
command -v mvn >/dev/null || { log "mvn is not on PATH"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "resolving $POM"
mvn -q -B -Dmaven.repo.local="$ROOT/.cache/m2" -f "$POM" dependency:list -DincludeScope=runtime \
  -DoutputAbsoluteArtifactFilename=true -DoutputFile="$tmp/list.txt" 2>&1 | sed 's/\x1b\[0m//g' >&2
# Lines look like `   group:artifact:jar:version:scope:/path/to.jar -- module ...`.
sed -n 's/^ *\([^: ]*\):\([^: ]*\):jar:\([^: ]*\):[a-z]*:\([^ ]*\).*/\1 \2 \3 \4/p' "$tmp/list.txt" | sort >"$tmp/resolved"
[[ -s $tmp/resolved ]] || { log "Maven listed no jars"; exit 1; }

{
  echo "# Connector jars of the Spark image, resolved from pom.xml by scripts/fetch-spark-jars.sh --write."
  echo "# group:artifact:version sha256 (the Dockerfile downloads exactly these and checks each hash)"
  while read -r group artifact version file; do
    echo "$group:$artifact:$version $(sha256sum "$file" | cut -d' ' -f1)"
  done <"$tmp/resolved"
} >"$tmp/jars.txt"

if [[ $WRITE == --write ]]; then
  cp "$tmp/jars.txt" "$LOCK"
  log "wrote $LOCK ($(grep -vc '^#' "$LOCK") jars)"
elif ! diff -u <(grep -v '^#' "$LOCK") <(grep -v '^#' "$tmp/jars.txt") >&2; then
  log "$LOCK differs from what $POM resolves to (above: - lock, + resolved); run scripts/fetch-spark-jars.sh --write"
  exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
while read -r _ _ _ file; do cp "$file" "$OUT/"; done <"$tmp/resolved"
sha256sum "$POM" "$LOCK" | sha256sum | cut -c1-16 >"$OUT/.complete"
log "$(find "$OUT" -name '*.jar' | wc -l) jars ($(du -sh "$OUT" | cut -f1)) in $OUT"
echo "$ROOT/$OUT"
