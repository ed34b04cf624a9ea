#!/usr/bin/env bash
# Full local test run: dependencies, test servers, the Python environment, typecheck, lint, unit and
# integration tests, and the security scan.
set -euo pipefail

cd "$(dirname "$0")/.."

# Node 22 LTS first on PATH for npm ci and everything after it, whatever this machine's Node is.
source scripts/node22.sh

# npm ci only when node_modules is missing or older than the lockfile (npm writes
# node_modules/.package-lock.json on every install).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "test.sh: installing dependencies (npm ci)" >&2
  npm ci
fi

scripts/fetch-test-servers.sh
scripts/setup-python.sh >/dev/null
scripts/prepare-docker.sh
scripts/prepare-chromium.sh
scripts/setup-security-tools.sh

npm run typecheck
npm run lint
npm run -s lint:workflows
scripts/check-python.sh
npm run test:unit
npm run test:integration
# pytest: the Spark jobs' and the Airflow DAGs' suites, on the harness's Kafka and S3 servers.
npm run test:python
npm run -s scan
