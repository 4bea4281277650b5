#!/bin/sh
# Times .timcheck pattern matching against git's (the gitignore peer) on the
# same tree and patterns, in one run (issue 18: "**/" twenty times then "x"
# took 15 s for one file at depth 12 before matching became linear):
#   FILES (default 20000) files at depth 14, half named x
#   ordinary patterns ("*.tmp", "**/x", "d*/**/y*", "build/"): tim-check
#   --unmarked -0 (walks the tree, reads each file's labels, drops the
#   excluded files) versus git ls-files --others --exclude-standard (which
#   only lists names: the ratio is for reference);
#   then the issue's patterns ("**/" x20 then "x", "*a" x12 then "*b"):
#   goal: tim-check takes at most 1.5x its time with the ordinary patterns;
#   git gets 20 s (its wildmatch backtracks: it does not finish).
# Prints the times and the ratios.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-check"
N=${FILES:-20000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

secs() {	# command...: wall seconds, best of three
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

gen() {	# patterns separated by |
cd "$work"
rm -rf "$work/tree"
python3 - "$work/tree" "$N" "$1" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
deep = "/".join("d%d" % i for i in range(14))
pats = sys.argv[3].split("|")
for i in range(n):
    d = os.path.join(root, "t%03d" % (i % 50), deep)
    os.makedirs(d, exist_ok=True)
    name = "x" if i % 2 == 0 else "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%d.txt" % i
    with open(os.path.join(d, name if i % 2 else "x"), "a") as f:
        f.write("plan\n")
with open(os.path.join(root, ".timcheck"), "w") as f:
    f.write("[check]\nexclude = .gitignore\n" + "".join("exclude = %s\n" % p for p in pats) +
            '[zone "all"]\npath = **\ncontrolled = yes\n')
with open(os.path.join(root, ".gitignore"), "w") as f:
    f.write("".join(p + "\n" for p in pats) + ".timcheck\n.gitignore\n")
PY
cd "$work/tree"
git init -q .
}

gen '*.tmp|**/x|d*/**/y*|build/'
tim_n=$("$T" --unmarked . | wc -l)
git_n=$(git ls-files --others --exclude-standard | wc -l)
[ "$tim_n" = "$git_n" ] || echo "note: tim-check lists $tim_n files, git $git_n"
t=$(secs "$T" --unmarked -0 .)
g=$(secs git ls-files --others --exclude-standard)
printf 'glob: %s files at depth 14, ordinary patterns\n' "$N"
printf '  tim-check --unmarked  %6.2f s\n' "$t"
printf '  git ls-files          %6.2f s\n' "$g"
printf '  ratio tim/git         %6.2f (reference: git only lists names)\n' "$(echo "$t / $g" | bc -l)"
t0=$t

gen "$(python3 -c 'print("**/" * 20 + "x|" + "*a" * 12 + "*b")')"
t=$(secs "$T" --unmarked -0 .)
s=$(date +%s.%N)
if timeout 20 git ls-files --others --exclude-standard >/dev/null 2>&1; then
	g=$(echo "$(date +%s.%N) - $s" | bc -l)
else
	g=
fi
printf 'glob: the same tree, "**/" x20 then "x" and "*a" x12 then "*b"\n'
printf '  tim-check --unmarked  %6.2f s\n' "$t"
printf '  ratio to ordinary     %6.2f (goal <= 1.5)\n' "$(echo "$t / $t0" | bc -l)"
if [ -n "$g" ]; then
	printf '  git ls-files          %6.2f s\n' "$g"
else
	printf '  git ls-files          did not finish in 20 s\n'
fi
