#!/usr/bin/env bash
# runtime_packages.sh — the Debian packages that hold the shared libraries a
# program links (ldd), one per line, sorted: what a runtime image needs.
#
#   scripts/runtime_packages.sh build/apps/agora-node
#
# Each library is looked up with dpkg -S at the path ldd gives, then at its
# real path, then with /usr added or taken away (merged /usr: dpkg may know
# /lib/x86_64-linux-gnu/libc.so.6 while ldd says /usr/lib/..., or the
# reverse). A library no package owns is an error.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 PROGRAM" >&2; exit 2; }

owner() {
  local path candidates=("$1" "$(realpath "$1")")
  for path in "${candidates[@]}"; do
    candidates+=("${path#/usr}" "/usr$path")
  done
  for path in "${candidates[@]}"; do
    dpkg-query -S "$path" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
  done
  echo "runtime_packages.sh: no package owns $1" >&2
  return 1
}

mapfile -t libs < <(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
((${#libs[@]} > 0)) || { echo "runtime_packages.sh: ldd found no libraries in $1" >&2; exit 1; }
for lib in "${libs[@]}"; do owner "$lib"; done | sort -u
