"""Installs the jars of a lock file (`group:artifact:version sha256` a line) from a Maven repository.

Runs at image build with nothing but the base image's python3. Each jar is downloaded once, its
SHA-256 is checked against the lock, and a mismatch or a download that fails stops the build,
naming the jar.

    python3 install_jars.py jars.txt https://repo.example/maven2 /opt/spark/jars
"""

from __future__ import annotations

import hashlib
import sys
import time
import urllib.request
from pathlib import Path

ATTEMPTS = 3


def jar_url(repository: str, coordinates: str) -> tuple[str, str]:
    group, artifact, version = coordinates.split(":")
    name = f"{artifact}-{version}.jar"
    return f"{repository.rstrip('/')}/{group.replace('.', '/')}/{artifact}/{version}/{name}", name


def download(url: str) -> bytes:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                body: bytes = response.read()
                return body
        except OSError as err:
            if attempt == ATTEMPTS:
                raise SystemExit(f"install_jars: cannot download {url}: {err}") from err
            time.sleep(2 * attempt)
    raise AssertionError("unreachable")


def main(lock: str, repository: str, target: str) -> int:
    out = Path(target)
    for line in Path(lock).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        coordinates, sha256 = line.split()
        url, name = jar_url(repository, coordinates)
        body = download(url)
        actual = hashlib.sha256(body).hexdigest()
        if actual != sha256:
            raise SystemExit(f"install_jars: {coordinates} has the SHA-256 {actual}, the lock says {sha256}")
        (out / name).write_bytes(body)
        print(f"install_jars: {name} ({len(body)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
