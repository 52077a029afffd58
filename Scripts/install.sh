#!/usr/bin/env bash
# Installs hrexport under a prefix: the binary, its man page and its bash, zsh and fish completions.
# Usage: install.sh BINARY PREFIX (make install PREFIX=~/.local).
set -euo pipefail
bin=${1:?usage: install.sh BINARY PREFIX}
prefix=${2:?usage: install.sh BINARY PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$prefix/bin/hrexport"
python3 "$here/make_manpage.py" "$bin" "$prefix/share/man/man1/hrexport.1"
"$bin" --generate-completion-script bash > "$prefix/share/bash-completion/completions/hrexport"
"$bin" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_hrexport"
"$bin" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/hrexport.fish"
echo "installed $prefix/bin/hrexport, its man page and completions ($("$prefix/bin/hrexport" --version))"
