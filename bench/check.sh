#!/bin/sh
# Times tim-check over a generated tree against grep (and ripgrep when
# installed) looking for the same label word, in one run:
#   100,000 files in 100 folders: text with and without label words, some
#   marked, some docx made by python's zipfile, and the files a Japanese
#   company holds (issue 13): encrypted PDFs (qpdf), Shift_JIS CSV, EUC-JP
#   text, DXF, PNG, JPEG, .eml, and a folder labelled by its name
#   tim-check (reads every label and scans unmarked files for the words)
#   versus grep -rlF 社外秘 (goal: <= 1.2x grep)
# FILES=N to change the size; CALLGRIND=1 adds instruction counts. Prints
# the wall-clock and CPU times and their ratios.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-check"
N=${FILES:-100000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

# command...: "WALL CPU", wall and CPU (user + system, all threads) seconds,
# each the best of three runs (the first also warms the cache). On a busy
# machine the wall clock measures the others' load; the CPU time is what
# the command itself costs.
secs() {
	python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
best_w = best_c = None
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = time.monotonic()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w = time.monotonic() - s
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    c = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    best_w = w if best_w is None else min(best_w, w)
    best_c = c if best_c is None else min(best_c, c)
print("%.3f %.3f" % (best_w, best_c))
PY
}

# command...: the instructions it runs under callgrind (independent of the
# machine's load), when CALLGRIND=1 and valgrind is installed.
instr() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
	    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
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
set -- $(secs grep -rlF 社外秘 "$work/tree"); tg=$1 cg=$2
set -- $(secs "$T" -q --fail-on none "$work/tree"); tt=$1 ct=$2
set -- $(TIM_THREADS=1 secs "$T" -q --fail-on none --threads 1 "$work/tree"); t1=$1 c1=$2
found=$("$T" --json --fail-on none "$work/tree" | grep -c '"rule"' || true)
ratio() { echo "$1 / $2" | bc -l; }
printf 'tree: %s files, %s\n' "$N" "$size"
printf '                        wall      cpu\n'
printf 'grep -rlF 社外秘        %6.2f s  %6.2f s\n' "$tg" "$cg"
if command -v rg >/dev/null 2>&1; then
	set -- $(secs rg -lF 社外秘 "$work/tree"); tr=$1 cr=$2
	printf 'rg -lF 社外秘           %6.2f s  %6.2f s\n' "$tr" "$cr"
fi
printf 'tim-check              %6.2f s  %6.2f s  (%s findings)\n' "$tt" "$ct" "$found"
printf 'tim-check --threads 1  %6.2f s  %6.2f s\n' "$t1" "$c1"
printf 'ratio tim-check / grep: %.2fx wall, %.2fx cpu (goal <= 1.2x)\n' "$(ratio "$tt" "$tg")" \
    "$(ratio "$ct" "$cg")"
printf 'ratio tim-check --threads 1 / grep: %.2fx wall, %.2fx cpu\n' "$(ratio "$t1" "$tg")" \
    "$(ratio "$c1" "$cg")"
if [ -n "${tr:-}" ]; then
	printf 'ratio tim-check / rg: %.2fx wall, %.2fx cpu\n' "$(ratio "$tt" "$tr")" "$(ratio "$ct" "$cr")"
fi
if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	ig=$(instr grep -rlF 社外秘 "$work/tree")
	it=$(instr "$T" -q --fail-on none --threads 1 "$work/tree")
	printf 'instructions: grep %s, tim-check --threads 1 %s (%.2fx)\n' "$ig" "$it" "$(ratio "$it" "$ig")"
fi
