#!/usr/bin/env bash
# Fails when a file tracked by git is larger than the limit (1 MB), outside test data
# (paths under a `testdata/` folder). Build outputs, wheels and archives belong nowhere in git.
set -euo pipefail
root="${1:?usage: check_tracked_sizes.sh SOURCE_DIR [LIMIT_BYTES]}"
limit="${2:-1000000}"
cd "$root"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check_tracked_sizes: $root is not a git work tree; nothing to check" >&2
  exit 1
fi
checked=0
too_large=()
while IFS= read -r -d '' path; do
  [ -f "$path" ] || continue   # deleted in the work tree but still in the index
  checked=$((checked + 1))
  case "$path" in */testdata/*|testdata/*) continue ;; esac
  size=$(stat -c %s -- "$path")
  if [ "$size" -gt "$limit" ]; then too_large+=("$path ($size bytes)"); fi
done < <(git ls-files -z)
if [ "$checked" -eq 0 ]; then
  echo "check_tracked_sizes: git lists no tracked files under $root" >&2
  exit 1
fi
if [ ${#too_large[@]} -gt 0 ]; then
  echo "tracked files over $limit bytes (keep build outputs, wheels and archives out of git):" >&2
  printf '  %s\n' "${too_large[@]}" >&2
  exit 1
fi
echo "check_tracked_sizes: $checked tracked files, none over $limit bytes"
