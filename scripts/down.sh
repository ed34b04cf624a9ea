#!/usr/bin/env bash
# Destroys a stack brought up with scripts/up.sh (state in .pulumi-state/).
#   scripts/down.sh [stack] [extra pulumi destroy flags...]      (stack defaults to dev)
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${1:-dev}
shift || true
command -v pulumi >/dev/null 2>&1 || { echo "down.sh: the Pulumi CLI is required" >&2; exit 1; }
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
pulumi destroy --stack "$STACK" --yes --non-interactive "$@"
