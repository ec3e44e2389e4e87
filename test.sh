#!/usr/bin/env bash
# Runs the whole test suite. Installs what a fresh machine lacks (Maven); the tests start their own servers.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
. "$root/scripts/env.sh"
find_java
ensure_maven
cd "$root"
exec mvn -B -ntp install "$@"
