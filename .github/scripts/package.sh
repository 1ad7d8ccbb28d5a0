#!/usr/bin/env bash
# Package a built framewatch binary as a release asset, as the release
# workflow attaches it and the composite action (action.yml) downloads it:
#   framewatch-TARGET.tar.gz (framewatch-TARGET.zip for Windows), holding
#   framewatch-TARGET/{framewatch[.exe],README.md,LICENSE-MIT,LICENSE-APACHE},
#   and beside it
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
case "$target" in *windows*) exe=framewatch.exe ;; *) exe=framewatch ;; esac
cp "$binary" "$stage/$name/$exe"
cp "$root/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$stage/$name/"
case "$target" in
  *windows*)
    archive="$name.zip"
    (cd "$stage" && 7z a -tzip -bd "$out/$archive" "$name" >/dev/null)
    ;;
  *)
    archive="$name.tar.gz"
    # Sorted, owner-free entries dated at the commit: the same binary
    # packs byte for byte the same (GNU tar; others fall back below).
    epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"
    (cd "$stage" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" 2>/dev/null \
       || tar -cf - "$name") | gzip -n -9 > "$out/$archive"
    ;;
esac
if command -v sha256sum >/dev/null; then
  (cd "$out" && sha256sum "$archive" > "$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" > "$archive.sha256")
fi
cat "$out/$archive.sha256"
