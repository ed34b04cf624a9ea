#!/usr/bin/env bash
# The image tests build functions/Dockerfile on a Docker engine. With no engine answering and no
# dockerd installed, install Debian's docker.io (and debootstrap, which builds the local base
# image, since no registry image can be pulled here). Needs root for apt-get; otherwise says what
# is missing and leaves it to the tests to report.
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || docker version >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "prepare-docker: missing ${missing[*]}; install them (or point DOCKER_HOST at an engine) for the image tests" >&2
  exit 0
fi
echo "prepare-docker: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
