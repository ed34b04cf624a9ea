#!/usr/bin/env bash
# Puts the jars of the real servers that the integration tests start (a Kafka
# broker and S3Proxy) into the git-ignored .cache/, resolving them with Maven
# from test/harness/pom.xml. Writes .cache/test-servers.json for the harness.
# A second run with everything in place only checks the manifest.
#
# Env: KAFKA_VERSIONS  Kafka versions to try in order, the first that resolves
#                      wins (default below).
set -euo pipefail

SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SCRIPT")/.."
ROOT=$PWD
CACHE=.cache
POM=test/harness/pom.xml
MANIFEST=$CACHE/test-servers.json
KAFKA_VERSIONS=${KAFKA_VERSIONS:-"4.3.1 4.3.0 4.2.2 4.2.1 4.2.0"}
S3PROXY_VERSION=4.1.0
S3PROXY_JAR=s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar

log() { printf 'fetch-test-servers: %s\n' "$*" >&2; }

# Changing the pom, this script or the requested versions invalidates the cache.
fingerprint() {
  { cat "$POM" "$SCRIPT"; echo "$KAFKA_VERSIONS"; } | sha256sum | cut -c1-16
}

manifest_is_current() {
  [[ -f $MANIFEST ]] || return 1
  grep -q "\"fingerprint\": \"$FINGERPRINT\"" "$MANIFEST" || return 1
  local dir
  for dir in $(sed -n 's/.*"dir": "\(.*\)".*/\1/p' "$MANIFEST"); do
    is_complete "$dir" || return 1
  done
}

# A folder is complete when it was filled under the current fingerprint.
is_complete() {
  [[ -f $1/.complete && $(<"$1/.complete") == "$FINGERPRINT" ]]
}

mark_complete() {
  rm -rf "$1" && mv "$1.tmp" "$1" && echo "$FINGERPRINT" >"$1/.complete"
}

# Maven logs (errors included) to stdout; this script's output belongs on
# stderr. Maven 3.8 prints stray colour resets even in batch mode: drop them.
mvn_q() {
  mvn -q -B -Dmaven.repo.local="$ROOT/$CACHE/m2" -f "$POM" "$@" 2>&1 | sed 's/\x1b\[0m//g' >&2
}

# Copies into a scratch folder first so that an interrupted run leaves nothing
# that looks complete.
fetch_kafka() {
  local version=$1 dir=$CACHE/kafka-$1
  is_complete "$dir" && return 0
  log "resolving org.apache.kafka:kafka_2.13:$version and its runtime dependencies"
  rm -rf "$dir.tmp"
  mvn_q dependency:copy-dependencies -Dkafka.version="$version" \
    -DincludeScope=runtime -DoutputDirectory="$ROOT/$dir.tmp/libs" || return 1
  mark_complete "$dir" || return 1
  log "kafka $version: $(find "$dir/libs" -name '*.jar' | wc -l) jars in $dir/libs"
}

fetch_s3proxy() {
  local dir=$CACHE/s3proxy-$S3PROXY_VERSION
  is_complete "$dir" && return 0
  log "resolving org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
  rm -rf "$dir.tmp"
  mvn_q dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
    -DoutputDirectory="$ROOT/$dir.tmp"
  mark_complete "$dir"
  log "s3proxy $S3PROXY_VERSION: $dir/$S3PROXY_JAR"
}

write_manifest() {
  local kafka_version=$1
  cat >"$MANIFEST.tmp" <<EOF
{
  "fingerprint": "$FINGERPRINT",
  "kafka": {
    "version": "$kafka_version",
    "dir": "$CACHE/kafka-$kafka_version",
    "libs": "$CACHE/kafka-$kafka_version/libs"
  },
  "s3proxy": {
    "version": "$S3PROXY_VERSION",
    "dir": "$CACHE/s3proxy-$S3PROXY_VERSION",
    "jar": "$CACHE/s3proxy-$S3PROXY_VERSION/$S3PROXY_JAR"
  }
}
EOF
  mv "$MANIFEST.tmp" "$MANIFEST"
}

main() {
  FINGERPRINT=$(fingerprint)
  if manifest_is_current; then
    log "up to date ($MANIFEST)"
    return 0
  fi
  command -v mvn >/dev/null || { log "mvn is not on PATH"; return 1; }
  mkdir -p "$CACHE"

  local version used=""
  for version in $KAFKA_VERSIONS; do
    if fetch_kafka "$version"; then used=$version; break; fi
    log "kafka $version did not resolve; trying the next version"
  done
  [[ -n $used ]] || { log "no Kafka version of [$KAFKA_VERSIONS] resolved"; return 1; }

  fetch_s3proxy
  write_manifest "$used"
  log "wrote $MANIFEST (kafka $used, s3proxy $S3PROXY_VERSION)"
}

main "$@"
