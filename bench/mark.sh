#!/bin/sh
# Times tim-mark on many files in one run, each against its peer on the
# same input, and prints files/s and the ratio:
#   small docx (tiny packages; goal >= 2,000 docx/s)
#   realistic docx, xlsx and pptx made by LibreOffice, a paragraph of
#     Japanese text and a 200 KB photo each (goal: within 2x of copying)
#   text files, all default carriers
#   --list over the marked tree
# The peer for a package is copying the same files with cp and one fsync
# each (sync FILE): what any safe rewrite of the file pays at least. The
# older peer, python3's zipfile copying every entry, is printed too.
# DOCX=N REAL=N TEXT=N change the sizes. Needs python3, bc, and soffice for
# the realistic set (left out, saying so, without it).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-mark"
ND=${DOCX:-2000}
NR=${REAL:-200}
NT=${TEXT:-20000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

now() { date +%s.%N; }
rate() { echo "$1 / ($3 - $2)" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# The peer: cp and fsync, one file at a time, into a fresh folder.
copy_sync() {	# SRC_DIR DST_DIR
	mkdir -p "$2"
	find "$1" -type f | while IFS= read -r f; do
		cp "$f" "$2/" && sync "$2/${f##*/}"
	done
}

python3 "$here/tests/fixtures/office.py" make docx "$work/seed.docx" --header
mkdir "$work/d" "$work/t" "$work/p"
python3 - "$work" "$ND" "$NT" <<'PY'
import shutil, sys
work, nd, nt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(nd):
    shutil.copyfile(work + "/seed.docx", "%s/d/設計書-%05d.docx" % (work, i))
    shutil.copyfile(work + "/seed.docx", "%s/p/設計書-%05d.docx" % (work, i))
for i in range(nt):
    with open("%s/t/memo-%05d.txt" % (work, i), "w") as f:
        f.write("議事録 %d\n" % i + "本文\n" * 20)
PY

s=$(now)
copy_sync "$work/d" "$work/dcopy"
e=$(now)
dcopy=$(rate "$ND" "$s" "$e")

s=$(now)
find "$work/d" -name '*.docx' -print0 | "$T" -q -0 --owner 設計部 -
e=$(now)
docx=$(rate "$ND" "$s" "$e")

s=$(now)
python3 - "$work/p" <<'PY'
import os, sys, zipfile
d = sys.argv[1]
for n in os.listdir(d):
    src = os.path.join(d, n)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(src + ".new", "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
    os.replace(src + ".new", src)
PY
e=$(now)
peer=$(rate "$ND" "$s" "$e")

real=""
if command -v soffice >/dev/null 2>&1; then
	python3 "$here/tests/fixtures/office.py" lo-src "$work/src" --image
	for f in docx:text.fodt xlsx:sheet.fods pptx:slides.fodp; do
		HOME="$work" soffice --headless --norestore "-env:UserInstallation=file://$work/lo" \
		    --convert-to "${f%%:*}" --outdir "$work/src" "$work/src/${f#*:}" >/dev/null 2>&1
	done
	mkdir "$work/r"
	python3 - "$work" "$NR" <<'PY'
import shutil, sys
work, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    for src, ext in (("text", "docx"), ("sheet", "xlsx"), ("slides", "pptx")):
        shutil.copyfile("%s/src/%s.%s" % (work, src, ext), "%s/r/図面-%05d.%s" % (work, i, ext))
PY
	nr=$((NR * 3))
	size=$(du -sk "$work/r" | cut -f1)
	s=$(now)
	copy_sync "$work/r" "$work/rcopy"
	e=$(now)
	rcopy=$(rate "$nr" "$s" "$e")
	s=$(now)
	find "$work/r" -type f -print0 | "$T" -q -0 --owner 設計部 -
	e=$(now)
	rtim=$(rate "$nr" "$s" "$e")
	real="tim-mark realistic docx/xlsx/pptx: $rtim files/s ($nr files, ${size} KB); cp + fsync: $rcopy files/s; ratio tim/copy $(ratio "$rtim" "$rcopy") (goal >= 0.5)"
fi

s=$(now)
find "$work/t" -name '*.txt' -print0 | "$T" -q -0 --owner 設計部 -
e=$(now)
text=$(rate "$NT" "$s" "$e")

s=$(now)
n=$("$T" --list "$work/d" "$work/t" | wc -l)
e=$(now)
list=$(rate "$n" "$s" "$e")

echo "tim-mark small docx: $docx files/s ($ND files; goal >= 2000); cp + fsync: $dcopy files/s; ratio tim/copy $(ratio "$docx" "$dcopy")"
echo "python zipfile copy of the same docx: $peer files/s; ratio tim/zipfile $(ratio "$docx" "$peer")"
echo "${real:-realistic set left out: soffice (LibreOffice) is not installed}"
echo "tim-mark text:  $text files/s ($NT files)"
echo "tim-mark --list: $list files/s ($n marked files)"
