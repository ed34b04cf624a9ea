#!/usr/bin/env bash
# Static checks of the Python code: ruff (lint and format) and mypy, from the test environment.
set -euo pipefail

cd "$(dirname "$0")/.."
venv=$(scripts/setup-python.sh)
"$venv/bin/ruff" check --quiet .
"$venv/bin/ruff" format --check --quiet .
"$venv/bin/mypy"
