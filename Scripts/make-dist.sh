#!/usr/bin/env bash
# Packs a release archive: DIST.tar.gz (bin/hrexport, share/man, completions, README.md, INSTALL) and
# DIST.tar.gz.sha256. Usage: make-dist.sh BINARY DIST (make dist gives dist/hrexport-<version>-linux-<arch>).
set -euo pipefail
bin=${1:?usage: make-dist.sh BINARY DIST}
dist=${2:?usage: make-dist.sh BINARY DIST}
root=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$dist")
rm -rf "$dist" "$dist.tar.gz" "$dist.tar.gz.sha256"
mkdir -p "$dist"
bash "$root/Scripts/install.sh" "$bin" "$dist" > /dev/null
strip "$dist/bin/hrexport" 2>/dev/null || true
cp "$root/README.md" "$dist/README.md"
cat > "$dist/INSTALL" <<TXT
hrexport $(sed -n 's/.*static let version = "\(.*\)"/\1/p' "$root/Sources/HeartRateExport/HRExport.swift") for Linux ($(uname -m)); it needs no Swift toolchain.

  sha256sum -c $name.tar.gz.sha256        # in the folder holding the archive
  tar xzf $name.tar.gz
  cp -r $name/bin $name/share ~/.local/     # or: sudo cp -r $name/bin $name/share /usr/local/
  hrexport --help                           # ~/.local/bin must be on your PATH

The binary links only the C library, libm, libstdc++, libgcc_s and zlib (Debian: zlib1g, always installed).
Try it without an account: README.md, "Try the release archive".
TXT
tar -C "$(dirname "$dist")" -czf "$dist.tar.gz" "$name"
(cd "$(dirname "$dist")" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
rm -rf "$dist"
echo "$dist.tar.gz ($(du -h "$dist.tar.gz" | cut -f1)), $(cat "$dist.tar.gz.sha256")"
