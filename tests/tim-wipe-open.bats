#!/usr/bin/env bats
# tim-wipe and files other processes have open (issue 18): a writer puts
# content back after the overwrite, so a file open for writing (or mapped
# shared and writable) is refused; readers are named in a warning and in
# the certificate.

load test_helper

# A background process of the test, killed in teardown by its pid.
bg() {
	"$@" &
	echo $! >> "$BATS_TEST_TMPDIR/bg.pids"
}

teardown() {
	local p
	[ -f "$BATS_TEST_TMPDIR/bg.pids" ] || return 0
	while read -r p; do kill "$p" 2>/dev/null; done < "$BATS_TEST_TMPDIR/bg.pids"
	rm -f "$BATS_TEST_TMPDIR/bg.pids"
}

# wait_for FILE: up to 10 s for a background process to say it is ready.
wait_for() {
	local i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}

sentinel() {	# file, KiB
	yes TIMSENTINEL | head -c $(($2 * 1024)) > "$1"
}

@test "open: a file another process keeps writing is refused, exit 1, untouched, the writer named" {
	sentinel f 256
	bg bash -c 'exec 3>>f; echo $$ > w.pid; while :; do printf x >&3; sleep 0.05; done'
	wait_for w.pid
	pid=$(cat w.pid)
	run tim-wipe -y --cert c.json f
	assert_equal "$status" 1
	assert_line "tim-wipe: 'f' is open for writing by process $pid (bash): what it writes after the overwrite would stay on the device; stop it first; not touched"
	refute_output --partial complete
	assert_file_exist f
	grep -q TIMSENTINEL f
	assert_file_not_exist c.json
}

@test "open: a file mapped shared and writable by another process is refused, though no descriptor is open" {
	sentinel f 64
	bg python3 -c 'import mmap, time
f = open("f", "r+b"); m = mmap.mmap(f.fileno(), 0); f.close()
open("m.ready", "w").write("1"); time.sleep(60)'
	wait_for m.ready
	run tim-wipe -y f
	assert_equal "$status" 1
	assert_line --regexp "^tim-wipe: 'f' is open for writing by process [0-9]+ \(python3\): "
	grep -q TIMSENTINEL f
}

@test "open: a reader is named in a warning and in the certificate; the file is erased" {
	sentinel f 64
	bg bash -c 'exec 4<f; echo $$ > r.pid; exec sleep 60'
	wait_for r.pid
	pid=$(cat r.pid)
	run tim-wipe -y --cert c.json f
	assert_success
	assert_line "tim-wipe: warning: 'f' is also open for reading by process $pid (sleep): what it has read is beyond the erasure's reach"
	assert_line --regexp "^complete 'f': "
	assert_file_not_exist f
	run python3 -c 'import json; print(json.load(open("c.json"))["items"][0]["warnings"])'
	assert_output "['other processes had the file open for reading during the erasure']"
}

@test "open: with nobody else holding the file there is no warning and no note" {
	sentinel f 16
	run tim-wipe -y --cert c.json f
	assert_success
	refute_output --partial warning
	run python3 -c 'import json; print("warnings" in json.load(open("c.json"))["items"][0])'
	assert_output False
}

@test "open: -n shows the refusal too, without touching anything" {
	sentinel f 16
	bg bash -c 'exec 3>>f; echo $$ > w.pid; exec sleep 60'
	wait_for w.pid
	run tim-wipe -n f
	assert_equal "$status" 1
	assert_line --regexp "^tim-wipe: 'f' is open for writing by process [0-9]+ \(sleep\): "
	refute_output --partial "would erase"
}

@test "open: a file written by someone else during the erasure is incomplete, exit 1, kept in place" {
	# The test build appends 4 KiB after the last pass, as a writer that
	# opened the file meanwhile would.
	sentinel f 64
	TIM_TEST_WIPE_GROW=1 run "$TIM_BUILD/test-bin/tim-wipe" -y --cert c.json f
	assert_equal "$status" 1
	assert_line "tim-wipe: 'f' was written by another process during the erasure: new content is on the device"
	assert_line "tim-wipe: 'f' kept in place: the erasure is not complete"
	refute_output --regexp '^complete'
	assert_file_exist f
	run python3 -c 'import json; i=json.load(open("c.json"))["items"][0]; print(i["result"], i["warnings"])'
	assert_output "incomplete ['another process wrote the file during the erasure']"
}
