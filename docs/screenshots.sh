#!/usr/bin/env bash
# Screenshots of the README's report and audit figures, taken by headless
# Chromium from pages framewatch writes on the shared corpora:
#
#   docs/img/report-sotu.png        report of the US State of the Union
#                                   addresses by decade: trend charts with
#                                   bands, hollow low-n points
#   docs/img/report-sotu-composition.png
#                                   the same report from its composition
#                                   panel on: documents per decade, sub-frame
#                                   bars with their hit counts, faded when few
#   docs/img/audit-manifesto.png    audit of the Conservative 2024 manifesto
#                                   PDF: page markers, the contents page
#                                   cleaned, the summary and key
#   docs/img/audit-manifesto-hits.png
#                                   the same audit from the page with the
#                                   most highlighted hits (the text above it
#                                   cut from a copy of the page, so the
#                                   summary column stays beside it)
#
# Usage: docs/screenshots.sh   (from the repository; needs a release build,
# chromium on PATH and ../shared; says which is missing and exits 0.)
# The SOTU run uses --min-docs 10 so that the decades under ten addresses
# (the 1820s and the 2020s) show as hollow low-n points.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${FRAMEWATCH_BIN:-${CARGO_TARGET_DIR:-target}/release/framewatch}"
SHARED="../shared"
PDF="$SHARED/realdocs/pdf/Conservative-Manifesto-GE2024.pdf"
for need in "$BIN" "$SHARED/corpora/us_sotu" "$PDF"; do
  [ -e "$need" ] || { echo "screenshots: skipped: $need not found (cargo build --release; ../shared)"; exit 0; }
done
CHROMIUM="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$CHROMIUM" ] || { echo "screenshots: skipped: no chromium on PATH"; exit 0; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
shot() { # html png width height
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="$3,$4" --screenshot="$WORK/shot.png" "file://$1" >/dev/null 2>&1
  mv "$WORK/shot.png" "$2"
  echo "screenshots: wrote $2"
}
# A copy of a page with everything between MARK_A and MARK_B cut out, so
# that a section further down shows at the top of the window.
cut_copy() { # in out mark_a mark_b
  python3 - "$@" <<'PY'
import sys
src, out, a, b = sys.argv[1:5]
html = open(src, encoding="utf-8").read()
i = html.index(a) + len(a)
j = html.index(b)
assert i <= j, (a, b)
open(out, "w", encoding="utf-8").write(html[:i] + html[j:])
PY
}

mkdir -p docs/img
"$BIN" run "$SHARED/corpora/us_sotu" --by decade --min-docs 10 -o "$WORK/sotu" -q
"$BIN" report "$WORK/sotu" -o "$WORK/sotu.html" 2>/dev/null
shot "$WORK/sotu.html" docs/img/report-sotu.png 1100 1300
cut_copy "$WORK/sotu.html" "$WORK/sotu-c.html" '</p>' '<h2 id="composition">'
shot "$WORK/sotu-c.html" docs/img/report-sotu-composition.png 1100 1500

"$BIN" audit "$PDF" --html "$WORK/audit.html" >/dev/null
shot "$WORK/audit.html" docs/img/audit-manifesto.png 1300 1500
# The page with the most highlights: cut the text before it.
PAGE="$(python3 - "$WORK/audit.html" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
body = html.split("<pre>", 1)[1].split("</pre>", 1)[0]
parts = re.split(r'<span class="page" id="page-(\d+)">', body)
counts = {int(parts[k]): parts[k + 1].count("<mark") for k in range(1, len(parts), 2)}
print(max(sorted(counts), key=lambda p: counts[p]))
PY
)"
cut_copy "$WORK/audit.html" "$WORK/audit-p.html" '<article><pre>' "<span class=\"page\" id=\"page-$PAGE\">"
shot "$WORK/audit-p.html" docs/img/audit-manifesto-hits.png 1300 1500
