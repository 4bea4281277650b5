#!/bin/sh
# make fuzz-long: every libFuzzer target for FUZZ_TIME seconds (600 by
# default) on its corpus kept in the repo, fuzz/corpus/NAME. New inputs go
# to $B/fuzz/new/NAME; what adds coverage is merged back into fuzz/corpus/NAME
# (minimised, so the repo keeps a small corpus). Crashes, leaks and timeouts
# are written to $B/fuzz/findings/NAME/. One summary line per target, then
# the totals; exit 1 if any target found something.
# Usage: scripts/fuzz-long.sh BUILD_DIR [TARGET...]
set -u
B=${1:?build dir}
shift
T=${FUZZ_TIME:-600}
targets=$*
[ -n "$targets" ] || targets=$(ls "$B"/fuzz/ | sed -n 's/^fuzz-//p' | grep -v '\.' )
total=0
bad=0
printf '%-14s %12s %8s %s\n' target executions seconds findings
for n in $targets; do
	f=$B/fuzz/fuzz-$n
	[ -x "$f" ] || { echo "fuzz-long: no target $f (make fuzz)" >&2; exit 2; }
	corpus=fuzz/corpus/$n
	new=$B/fuzz/new/$n
	out=$B/fuzz/findings/$n
	mkdir -p "$corpus" "$new" "$out"
	log=$B/fuzz/$n.log
	# -timeout: an input that takes 10 s is a finding (exponential time).
	"$f" -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix="$out/" "$new" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
	secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{s=$5} END {print s+0}')
	found=$(ls "$out" | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		bad=$((bad + 1))
		note="$found in $out (exit $rc; see $log)"
	else
		note=none
	fi
	# Keep what adds coverage, minimised, in the repo's corpus.
	"$f" -merge=1 -max_len=65536 -timeout=10 "$corpus" "$new" >>"$log" 2>&1 || true
	printf '%-14s %12s %8s %s\n' "$n" "$runs" "$secs" "$note"
	total=$((total + runs))
done
echo "total executions: $total; targets with findings: $bad"
[ "$bad" -eq 0 ]
