#!/bin/sh
# Times tim-mark on many files in one run:
#   2,000 docx files, content carrier and all defaults (goal >= 2,000 docx/s)
#   20,000 text files, all default carriers
#   --list over the marked tree
# against the peer for a zip rewrite, python3's zipfile copying the same
# packages entry by entry (the floor any rewrite pays). DOCX=N TEXT=N to
# change the sizes. Prints files/s and ratios; needs python3 for the input.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-mark"
ND=${DOCX:-2000}
NT=${TEXT:-20000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

now() { date +%s.%N; }
rate() { echo "$1 / ($3 - $2)" | bc; }

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

s=$(now)
find "$work/t" -name '*.txt' -print0 | "$T" -q -0 --owner 設計部 -
e=$(now)
text=$(rate "$NT" "$s" "$e")

s=$(now)
n=$("$T" --list "$work" | wc -l)
e=$(now)
list=$(rate "$n" "$s" "$e")

echo "tim-mark docx:  $docx files/s ($ND files; goal >= 2000)"
echo "python zipfile copy of the same docx: $peer files/s; ratio tim/peer $(echo "scale=2; $docx / $peer" | bc)"
echo "tim-mark text:  $text files/s ($NT files)"
echo "tim-mark --list: $list files/s ($n marked files)"
