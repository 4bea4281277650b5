#!/bin/sh
# Times tim-ledger against its peers on the same input, in one run:
#   batch append of 1M records (goal >= 200k records/s)
#   verify of that ledger against sha256sum of the same file (goal <= 2x),
#     in full and with --key after a signed checkpoint (the nightly cron case)
#   synced append against raw write+fdatasync of a line of the same size (goal <= 1.1x)
# RECORDS=N to change the size. Prints ratios; needs python3 for the input.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-ledger"
N=${RECORDS:-1000000}
SYNCED=${SYNCED:-300}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null

secs() {	# command...: wall seconds, best of three
	best=
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	echo "$best"
}

python3 -c "
import json, sys
w = sys.stdout.write
for i in range($N):
    w(json.dumps({'kind': 'copy', 'item': '【社外秘】設計図-%06d.pdf' % i,
        'to': 'USB-%04d' % (i % 1000), 'reason': '試作委託'}, ensure_ascii=False) + '\n')
" > "$work/in.jsonl"

append() { rm -f "$work/l.tim"; "$T" init -q "$work/l.tim"; "$T" append --json "$work/l.tim" < "$work/in.jsonl"; }
ta=$(secs append)
rate=$(echo "$N / $ta" | bc)
tv=$(secs "$T" verify -q "$work/l.tim")
ts=$(secs sha256sum "$work/l.tim")
"$T" keygen -q --name bench -o "$work/k" >/dev/null
"$T" checkpoint -q -k "$work/k" "$work/l.tim"
"$T" append -q "$work/l.tim" note text="after the checkpoint"
tk=$(secs "$T" verify -q --key "$work/k.pub" "$work/l.tim")
size=$(stat -c %s "$work/l.tim")

cc -O2 -I"$here/libtim" -I"$here/include/tim" -o "$work/append-sync" "$here/bench/append-sync.c" "$here/$B/libtim.a" \
	$(pkg-config --cflags --libs libarchive libcrypto libxml-2.0 zlib jansson inih yajl) -pthread
set -- $("$work/append-sync" "$work/s.tim" "$work/raw" "$SYNCED")
tl=$1 tr=$2

echo "tim-ledger bench: $N records, $(echo "$size / 1048576" | bc) MiB, $(nproc) cores"
printf 'batch append (synced per 20k batch): %.2f s, %s records/s (goal >= 200000)\n' "$ta" "$rate"
printf 'verify (every line parsed) %.2f s, sha256sum %.2f s: ratio %.2f (goal <= 2)\n' "$tv" "$ts" "$(echo "$tv / $ts" | bc -l)"
printf 'verify --key after a signed checkpoint %.2f s: ratio %.2f\n' "$tk" "$(echo "$tk / $ts" | bc -l)"
printf 'synced append %.0f us, raw write+fdatasync %.0f us: ratio %.2f (goal <= 1.10)\n' \
	"$tl" "$tr" "$(echo "$tl / $tr" | bc -l)"
