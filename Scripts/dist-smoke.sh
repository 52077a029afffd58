#!/usr/bin/env bash
# The release archive's smoke test: the checksum, the libraries the binary links (an allow-list: no Swift
# runtime, no Foundation, no libdispatch), then, from the unpacked archive with an empty environment and, where
# the machine allows a private mount namespace, the Swift toolchain hidden: --version, the sandbox, the OAuth
# code flow, a three-day backfill and verify. Usage: dist-smoke.sh dist/hrexport-<version>-linux-<arch>.tar.gz
set -euo pipefail
archive=$(cd "$(dirname "${1:?usage: dist-smoke.sh ARCHIVE}")" && pwd)/$(basename "$1")
name=$(basename "$archive" .tar.gz)
(cd "$(dirname "$archive")" && sha256sum -c --quiet "$name.tar.gz.sha256")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$archive"
bin="$work/$name/bin/hrexport"
for f in share/man/man1/hrexport.1 share/bash-completion/completions/hrexport share/zsh/site-functions/_hrexport \
         share/fish/vendor_completions.d/hrexport.fish README.md INSTALL; do
  [ -s "$work/$name/$f" ] || { echo "smoke: the archive lacks $f"; exit 1; }
done

needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "smoke: NEEDED $(echo $needed)"
for lib in $needed; do
  case "$lib" in
    libc.so.*|libm.so.*|libz.so.*|libgcc_s.so.*|libstdc++.so.*|ld-linux*.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libutil.so.*) ;;
    *) echo "smoke: $bin needs $lib, which is not on the allow-list (a Swift runtime or Foundation library?)"; exit 1 ;;
  esac
done

# The run itself, in an environment with nothing in it: no Swift on PATH, no HREXPORT_ variable, a new HOME.
cat > "$work/run.sh" <<'TXT'
set -euo pipefail
bin=$1; work=$2
"$bin" --version
"$bin" sandbox --port 0 > "$work/url" 2> "$work/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
export HREXPORT_API_BASE=$(head -n 1 "$work/url") HREXPORT_CLIENT_ID=smoke HREXPORT_STATE_DIR="$work/state" HREXPORT_OUT="$work/out"
"$bin" auth --port 0 --no-browser --timeout 30 > "$work/authorize.url" &
auth=$!
for _ in $(seq 100); do [ -s "$work/authorize.url" ] && break; sleep 0.1; done
curl -fsSL -o /dev/null "$(head -n 1 "$work/authorize.url")"
wait $auth
"$bin" backfill --from "$(date -d '10 days ago' +%F)" --to "$(date -d '8 days ago' +%F)" --quiet
"$bin" verify
TXT
hidden=""
if command -v swift >/dev/null 2>&1; then
  toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
  if unshare --mount true 2>/dev/null; then hidden=$toolchain; fi
fi
if [ -n "$hidden" ]; then
  echo "smoke: running with $hidden hidden by a private mount namespace"
  unshare --mount sh -c "mount -t tmpfs none '$hidden' && exec env -i PATH=/usr/bin:/bin HOME='$work/home' bash '$work/run.sh' '$bin' '$work'"
else
  echo "smoke: no private mount namespace here; the toolchain stays visible, but not on PATH"
  env -i PATH=/usr/bin:/bin HOME="$work/home" bash "$work/run.sh" "$bin" "$work"
fi
echo "smoke: $name passed"
