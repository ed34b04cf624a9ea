#!/usr/bin/env bash
# Brings a stack up with its state in this checkout (.pulumi-state/): no Pulumi Cloud login.
#   scripts/up.sh [stack] [extra pulumi up flags...]      (stack defaults to dev)
# PULUMI_CONFIG_PASSPHRASE protects the stack's secrets; dev has none of its own, so it may be empty.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK=${1:-dev}
shift || true

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  printf 'up.sh: %s is required: %s\n' "$1" "$2" >&2
  exit 1
}
need npm "install Node.js and npm"
# Pulumi runs the program with the node on PATH: Node 22, fetched into .cache/ if this machine's is another.
source scripts/node22.sh
need pulumi "install the Pulumi CLI (see Pulumi's installation guide); no account is needed"
if [[ $STACK == dev ]]; then
  need docker "install Docker: the dev stack runs on the local Docker engine"
  docker info >/dev/null 2>&1 || { echo "up.sh: the Docker engine is not reachable (is it running?)" >&2; exit 1; }
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "up.sh: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
pulumi stack select "$STACK" --create --non-interactive >/dev/null
pulumi up --stack "$STACK" --yes --non-interactive "$@"
