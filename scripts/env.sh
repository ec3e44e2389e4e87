# Sourced by ./sluice, ./test.sh and .ci/run: finds a JDK 21+ and installs Maven where it is missing.

die() { echo "sluice: $*" >&2; exit 2; }

# The feature release of the JDK at $1: from its release file, else from `java -version` (a JVM started only to say its
# version: 30-40 ms of every ./sluice command).
java_major() {
  local v=""
  [ -f "$1/release" ] && v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  [ -n "$v" ] || v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  echo "$v"
}

# JAVA_HOME if it is 21+, else the newest JDK 21+ under /usr/lib/jvm.
find_java() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    c="${c%/}"
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then export JAVA_HOME="$c"; return 0; fi
  done
  die "Sluice needs a JDK 21 or newer: install one (e.g. Temurin) and set JAVA_HOME to it"
}

# The machine's Maven; installed from Debian's packages when missing (needs root or sudo).
ensure_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "sluice: installing Maven (apt-get install maven)" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends maven >/dev/null \
    || die "could not install Maven; install it (apt-get install maven) and try again"
}
