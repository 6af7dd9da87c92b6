#!/usr/bin/env bash
# Runs the whole test suite: installs the real tools the tests talk to, then Maven.
# Tests start their own registries (Debian's docker-registry) on 127.0.0.1; no Docker engine needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-tools.sh"
cd "$root"
exec mvn -B "$@" verify
