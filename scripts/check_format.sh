#!/usr/bin/env bash
# Checks that every C++ file git knows about (tracked, or untracked and not ignored) is formatted by
# the repository's .clang-format. Prints the offending files and exits 1 if any; `make format`
# rewrites them. Set CLANG_FORMAT to use another binary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"

if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "check_format: $CLANG_FORMAT not found; install it with scripts/setup.sh (Debian package clang-format)" >&2
  exit 1
fi

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check_format: $(pwd) is not a git working tree (the file list comes from git ls-files)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc' | sort -u)

bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the working tree but still in the index
  if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done

if [ ${#bad[@]} -ne 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files are not clang-formatted:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "run 'make format' to fix them (or: $CLANG_FORMAT -i FILE...)" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
