#!/usr/bin/env bash
# Writes the current commit into Sources/CBuildInfo/commit.h for `hrexport --version`, only when it changed,
# so that an unchanged tree never recompiles anything. Outside a git checkout (an unpacked source archive)
# the commit is "unknown".
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+"; fi
line="#define HREXPORT_COMMIT \"$commit\""
file=Sources/CBuildInfo/commit.h
if [ ! -f "$file" ] || [ "$(cat "$file")" != "$line" ]; then echo "$line" > "$file"; fi
