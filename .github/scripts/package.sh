#!/usr/bin/env bash
# Package a built framewatch binary as a release asset, as the release
# workflow attaches it and the composite action (action.yml) downloads it:
#   framewatch-TARGET.tar.gz (framewatch-TARGET.zip for Windows), holding
#   framewatch-TARGET/{framewatch[.exe],README.md}, and beside it
#   framewatch-TARGET.tar.gz.sha256 ("HASH  NAME", as sha256sum writes).
# Usage: package.sh TARGET BINARY OUT_DIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: package.sh TARGET BINARY OUT_DIR" >&2; exit 2; }
target=$1 binary=$2 out=$3
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ -f "$binary" ] || { echo "package.sh: $binary: no such file" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
name="framewatch-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$binary" "$stage/$name/"
cp "$root/README.md" "$stage/$name/"
case "$target" in
  *windows*)
    archive="$name.zip"
    (cd "$stage" && 7z a -tzip -bd "$out/$archive" "$name" >/dev/null)
    ;;
  *)
    archive="$name.tar.gz"
    # Sorted, owner-free entries: the same binary packs the same way.
    (cd "$stage" && tar --sort=name --owner=0 --group=0 --numeric-owner -cf - "$name" 2>/dev/null \
       || tar -cf - "$name") | gzip -n -9 > "$out/$archive"
    ;;
esac
if command -v sha256sum >/dev/null; then
  (cd "$out" && sha256sum "$archive" > "$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" > "$archive.sha256")
fi
cat "$out/$archive.sha256"
