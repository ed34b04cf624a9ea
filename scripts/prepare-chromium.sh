#!/usr/bin/env bash
# The dashboard's browser test drives Debian's chromium with playwright-core, which never
# downloads a browser. Installs the package when it is missing (needs root for apt-get);
# otherwise says what is missing and leaves it to the test to report.
set -euo pipefail

command -v chromium >/dev/null 2>&1 && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "prepare-chromium: chromium is missing; install it (apt-get install chromium) for the dashboard's browser test" >&2
  exit 0
fi
echo "prepare-chromium: installing chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends chromium >&2; }
