#!/usr/bin/env bash
# Fails when a build log holds a compiler warning from our own code (Sources/ or Tests/ of this repository).
# Warnings from dependencies are theirs to fix and are ignored.
set -euo pipefail
log=${1:?usage: no-warnings.sh BUILD_LOG}
root=$(cd "$(dirname "$0")/.." && pwd)
ours=$(grep -E "^$root/(Sources|Tests)/[^:]+:[0-9]+:[0-9]+: warning:" "$log" | sort -u || true)
if [ -n "$ours" ]; then
  echo "$ours"
  echo "*** $(echo "$ours" | wc -l) warning(s) from our own code: zero is the rule ***"
  exit 1
fi
