#!/bin/sh
# Times tim-check over a generated tree against grep (and ripgrep when
# installed) looking for the same label word, in one run:
#   100,000 files in 100 folders: text with and without label words, some
#   marked, some docx made by python's zipfile, and the files a Japanese
#   company holds (issue 13): encrypted PDFs (qpdf), Shift_JIS CSV, EUC-JP
#   text, DXF, PNG, JPEG, .eml, and a folder labelled by its name
#   tim-check (reads every label and scans unmarked files for the words)
#   versus grep -rlF 社外秘 (goal: <= 1.2x grep)
# FILES=N to change the size. Prints the times and ratios.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-check"
N=${FILES:-100000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

secs() {	# command...: wall seconds, best of three (the first also warms the cache)
	best=
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	echo "$best"
}

# Templates made once by the real tools, copied into the tree.
mkdir -p "$work/tpl"
python3 "$here/tests/fixtures/pdf.py" classic "$work/tpl/p.pdf"
if command -v qpdf >/dev/null 2>&1; then
	qpdf --encrypt u o 256 -- "$work/tpl/p.pdf" "$work/tpl/enc.pdf"
else
	cp "$work/tpl/p.pdf" "$work/tpl/enc.pdf"
fi
if command -v pdftoppm >/dev/null 2>&1; then
	pdftoppm -r 20 -singlefile -png "$work/tpl/p.pdf" "$work/tpl/img"
	pdftoppm -r 20 -singlefile -jpeg "$work/tpl/p.pdf" "$work/tpl/img"
else
	cp "$work/tpl/p.pdf" "$work/tpl/img.png"
	cp "$work/tpl/p.pdf" "$work/tpl/img.jpg"
fi

python3 - "$work/tree" "$N" "$here/tests/fixtures" "$work/tpl" <<'PY'
import os, random, sys, zipfile
root, n = sys.argv[1], int(sys.argv[2])
tpl = {k: open(os.path.join(sys.argv[4], k), "rb").read() for k in ("enc.pdf", "img.png", "img.jpg")}
dxf = "".join("%3d\r\n%s\r\n" % cv for cv in [(0, "SECTION"), (2, "ENTITIES"), (0, "LINE"),
    (8, "0"), (10, "0.0"), (20, "0.0"), (11, "1.0"), (21, "1.0"), (0, "ENDSEC"), (0, "EOF")]).encode()
sys.path.insert(0, sys.argv[3])
import office
office.make_ooxml("docx", root + ".docx")
with zipfile.ZipFile(root + ".docx") as z:
    template = [(i, z.read(i.filename)) for i in z.infolist()]
rnd = random.Random(42)
words = "設計 試作 仕様 工程 検査 部品 図面 見積 納期 品質 顧客 改善 the of and design part spec".split()
def para(k):
    return " ".join(rnd.choice(words) for _ in range(k)) + "\n"
os.makedirs(root)
with open(os.path.join(root, ".timcheck"), "w") as f:
    f.write('[zone "confidential"]\npath = d00*/\ncontrolled = yes\nmin-level = 社外秘\n')
for i in range(n):
    d = os.path.join(root, ("【社外秘】d%03d" if i % 100 == 99 else "d%03d") % (i % 100))
    os.makedirs(d, exist_ok=True)
    kind = i % 100
    extra = {17: ("e%06d.pdf", tpl["enc.pdf"]), 18: ("s%06d.csv", "品番,品名\r\nA-1,歯車\r\n".encode("cp932")),
             19: ("u%06d.txt", "設計メモ\n寸法\n".encode("euc_jp")), 20: ("g%06d.dxf", dxf),
             21: ("p%06d.png", tpl["img.png"]), 22: ("j%06d.jpg", tpl["img.jpg"]),
             23: ("m%06d.eml", b"From: a@example.jp\r\nSubject: test\r\n\r\nbody\r\n")}
    if kind in extra:
        name, data = extra[kind]
        with open(os.path.join(d, name % i), "wb") as f:
            f.write(data)
        continue
    if kind < 2:		# docx, half of them with a label word in the body
        text = para(40) + ("社外秘" if kind == 0 else "")
        with zipfile.ZipFile(os.path.join(d, "doc%06d.docx" % i), "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in template:
                if info.filename == "word/document.xml":
                    data = data.replace("本文 body".encode(), text.encode())
                z.writestr(info, data)
        continue
    text = "".join(para(rnd.randint(5, 30)) for _ in range(rnd.randint(5, 60)))
    name = "f%06d.txt" % i
    if kind < 12:		# a label word in an unmarked file
        text += "この資料は社外秘です\n"
    elif kind < 17:		# marked in its name and first line
        name = "【社外秘】" + name
        text = "【社外秘】\n" + text + "社外秘\n"
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
PY
size=$(du -sh "$work/tree" | cut -f1)
tg=$(secs grep -rlF 社外秘 "$work/tree")
tt=$(secs "$T" -q --fail-on none "$work/tree")
t1=$(TIM_THREADS=1 secs "$T" -q --fail-on none --threads 1 "$work/tree")
found=$("$T" --json --fail-on none "$work/tree" | grep -c '"rule"' || true)
printf 'tree: %s files, %s\n' "$N" "$size"
printf 'grep -rlF 社外秘        %6.2f s\n' "$tg"
if command -v rg >/dev/null 2>&1; then
	tr=$(secs rg -lF 社外秘 "$work/tree")
	printf 'rg -lF 社外秘           %6.2f s\n' "$tr"
fi
printf 'tim-check              %6.2f s  (%s findings)\n' "$tt" "$found"
printf 'tim-check --threads 1  %6.2f s\n' "$t1"
printf 'ratio tim-check / grep: %.2fx (goal <= 1.2x)\n' "$(echo "$tt / $tg" | bc -l)"
printf 'ratio tim-check --threads 1 / grep: %.2fx\n' "$(echo "$t1 / $tg" | bc -l)"
if [ -n "${tr:-}" ]; then
	printf 'ratio tim-check / rg: %.2fx\n' "$(echo "$tt / $tr" | bc -l)"
fi
