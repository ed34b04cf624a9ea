#!/usr/bin/env bash
# The benchmarks on a fresh clone: bench/pipeline.ts (with Node 22, dependencies, the test servers'
# jars, kcat as the client-independent baseline and a Docker engine for the image figures), then
# the Spark jobs' bench/spark.ts (with the pinned Python environment).
#   scripts/bench.sh          (npm run bench; BENCH_ONLY=sink,batch for some of the figures,
#                              BENCH_ONLY=spark for the Spark jobs alone)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/node22.sh

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "bench.sh: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

scripts/fetch-test-servers.sh
scripts/prepare-docker.sh

# kcat reads the topic as fast as librdkafka can: the baseline no JavaScript client is part of.
if ! command -v kcat >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "bench.sh: installing kcat (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends kcat >&2 || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends kcat >&2; }
  else
    echo "bench.sh: kcat is missing and this is not root; its baseline is skipped (install Debian's kcat)" >&2
  fi
fi

echo "bench.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
# BENCH_ONLY names parts of bench/pipeline.ts, and `spark` for bench/spark.ts; unset, both run whole.
pipeline=1
spark=1
if [[ -n ${BENCH_ONLY:-} ]]; then
  spark=0
  parts=()
  IFS=, read -ra only <<<"$BENCH_ONLY"
  for part in "${only[@]}"; do
    if [[ $part == spark ]]; then spark=1; else parts+=("$part"); fi
  done
  if [[ ${#parts[@]} -eq 0 ]]; then pipeline=0; fi
  BENCH_ONLY=$(IFS=,; echo "${parts[*]}")
fi
if [[ $pipeline -eq 1 ]]; then
  npx ts-node --transpile-only bench/pipeline.ts
fi
if [[ $spark -eq 1 ]]; then
  scripts/setup-python.sh >/dev/null
  npx ts-node --transpile-only bench/spark.ts
fi
