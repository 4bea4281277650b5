#!/usr/bin/env bats
# tim-ledger verify and tim-check ledger print a verify result through one
# function (cmd/ledgerview.c): the same lines and the same JSON, apart from
# what only tim-ledger adds (append-only status, changed_line, what to do).

load test_helper

setup_file_local() {
	tim-ledger init --origin test reg.tim >/dev/null
	tim-ledger append --no-sync reg.tim note text=one
	tim-ledger append --no-sync reg.tim note text=two
	cp reg.tim bad.tim
	sed -i 's/one/ONE/' bad.tim
}

# JSON object per line with the keys only tim-ledger writes taken out.
common_json() {
	python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    for k in ("append_only", "changed_line"):
        d.pop(k, None)
    print(json.dumps(d, sort_keys=True))'
}

@test "a good ledger: the same line, the same JSON, exit 0 from both" {
	run --separate-stderr tim-ledger verify reg.tim
	assert_success
	ledger_out=$output
	run --separate-stderr tim-check ledger reg.tim
	assert_success
	assert_output --regexp '^reg\.tim: ok: 2 records, root [A-Za-z0-9+/]{43}=$'
	assert_equal "$output" "$ledger_out"
	tim-ledger verify --json reg.tim > l.json
	run tim-check ledger --json reg.tim
	assert_success
	assert_equal "$(common_json <<<"$output")" "$(common_json < l.json)"
	run python3 -c 'import json; print(sorted(set(json.load(open("l.json")))))'
	assert_output --partial "'append_only'"
}

@test "a changed line: the same FAILED line and JSON, exit 1 from both; only tim-ledger says what to do" {
	run --separate-stderr tim-ledger verify bad.tim
	assert_failure 1
	[ "$output" = "" ]
	ledger_err=$stderr
	run --separate-stderr tim-check ledger bad.tim
	assert_failure 1
	[ "$output" = "" ]
	assert_equal "$stderr" "tim-check: bad.tim: FAILED at line 2 (seq 1, byte 72): line 2 was changed after it was written: it no longer matches the hash that line 3 keeps of it (prev)"
	assert_equal "$(sed -n 1p <<<"$ledger_err")" "${stderr/tim-check:/tim-ledger:}"
	assert_equal "$(sed -n 2p <<<"$ledger_err" | cut -d" " -f2-5)" "bad.tim: what to do:"
	run tim-ledger verify --json bad.tim
	assert_failure 1
	ledger_json=$output
	assert_output --partial '"changed_line":2'
	run tim-check ledger --json bad.tim
	assert_failure 1
	refute_output --partial changed_line
	assert_equal "$(common_json <<<"$output")" "$(common_json <<<"$ledger_json")"
}
