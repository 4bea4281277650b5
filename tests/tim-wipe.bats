#!/usr/bin/env bats
# tim-wipe: file mode everywhere; block devices as root on loop devices made
# from small images in the test's own directory, always detached again.

load test_helper

SENT=TIMSENTINEL-

# A file of n KiB filled with the sentinel string.
sentinel_file() {
	python3 -c "import sys; n=int(sys.argv[2])*1024; s=b'$SENT'*(n//12+1); open(sys.argv[1],'wb').write(s[:n])" "$1" "$2"
}

# Exit 0 when the sentinel string is nowhere in the file or device.
no_sentinel() {
	python3 - "$1" <<'EOF'
import sys
with open(sys.argv[1], 'rb') as f:
    data = f.read()
n = data.count(b'TIMSENTINEL')
if n:
    print("sentinel found %d times" % n)
sys.exit(1 if n else 0)
EOF
}

# The test build of tim-wipe, the only one that reads TIM_TEST_WIPE_*.
tim_wipe_faults() {
	"$TIM_BUILD/test-bin/tim-wipe" "$@"
}

json_get() {	# file, python expression on d
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

setup_file_local() {
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
}

# Loop devices: made on demand, listed for teardown.
need_loop() {
	need_root
	command -v losetup >/dev/null || skip "losetup is not installed"
	[ -e /dev/loop-control ] || skip "no loop device support (/dev/loop-control missing)"
	sentinel_file img "${1:-16384}"
	LOOP=$(losetup -f --show "$BATS_TEST_TMPDIR/img" 2>/dev/null) ||
		skip "cannot attach a loop device here"
	echo "$LOOP" >> "$BATS_TEST_TMPDIR/loops"
}

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/swaps" ]; then
		while read -r s; do swapoff "$s" 2>/dev/null; done < "$BATS_TEST_TMPDIR/swaps"
	fi
	if [ -f "$BATS_TEST_TMPDIR/mounts" ]; then
		while read -r m; do umount "$m" 2>/dev/null; done < "$BATS_TEST_TMPDIR/mounts"
	fi
	if [ -f "$BATS_TEST_TMPDIR/loops" ]; then
		while read -r l; do losetup -d "$l" 2>/dev/null; done < "$BATS_TEST_TMPDIR/loops"
	fi
	return 0
}

@test "-h prints the synopsis; a bad option is a usage error" {
	run tim-wipe -h
	assert_success
	assert_output --partial "usage: tim-wipe [-0nqrvy] [-m METHOD]"
	assert_output --partial "tim-wipe --resume STATEFILE"
	run tim-wipe --bogus x
	assert_failure 2
	assert_output --partial "unknown option '--bogus'"
	run tim-wipe
	assert_failure 2
	assert_output --partial "nothing to erase"
	run tim-wipe --info --list-methods
	assert_failure 2
	assert_output --partial "conflicting options"
}

@test "fault injection is only in the test build, never in the installed tool" {
	run grep -c TIM_TEST_ "$TIM_BUILD/bin/tim-wipe"
	assert_failure 1
	assert_output 0
	run grep -c TIM_TEST_ "$TIM_BUILD/libtim.a"
	assert_failure 1
	assert_output 0
	run grep -c TIM_TEST_WIPE_TAMPER "$TIM_BUILD/test-bin/tim-wipe"
	assert_success
	sentinel_file f 64
	TIM_TEST_WIPE_TAMPER=0 run tim-wipe --keep -m zero f
	assert_success
	make -s -n -C "$TIM_SRC" install B="$TIM_BUILD" DESTDIR="$BATS_TEST_TMPDIR/root" > install.txt
	run grep '^install ' install.txt
	assert_success
	assert_output --partial "$TIM_BUILD/bin/tim-wipe"
	refute_output --partial test-bin
}

@test "--list-methods names every method with its passes and verification" {
	run tim-wipe --list-methods
	assert_success
	assert_line --regexp '^clear +1  all'
	assert_line --regexp '^dod +3  last'
	assert_line --regexp '^gutmann +35  last'
	assert_output --partial "passes=P,P,..."
	run tim-wipe --list-methods --json
	assert_success
	assert_line --partial '"method":"random","passes":1,"pattern":["random"],"verify":"off"'
}

@test "a bad method or verification word is a usage error" {
	touch f
	run tim-wipe -m passes=0x00,0xzz f
	assert_failure 2
	assert_output --partial "invalid pass '0xzz'"
	run tim-wipe -m shred f
	assert_failure 2
	assert_output --partial "unknown method 'shred'"
	run tim-wipe --verify some f
	assert_failure 2
	assert_output --partial "invalid verification 'some'"
}

@test "every method leaves no sentinel in a file (--keep)" {
	for m in zero random clear dod gutmann passes=0x00,random,0xff,0x924924; do
		sentinel_file f 300
		run tim-wipe --keep -m "$m" f
		assert_success
		assert_output --partial "complete 'f'"
		run no_sentinel f
		assert_success
		[ "$(stat -c %s f)" -eq 307200 ]
	done
	run tim-wipe --keep -m zero f
	python3 -c "import sys; d=open('f','rb').read(); sys.exit(0 if d==bytes(len(d)) else 1)"
	run tim-wipe --keep -m passes=0xff f
	python3 -c "import sys; d=open('f','rb').read(); sys.exit(0 if d==b'\xff'*len(d) else 1)"
}

@test "a wiped file is overwritten, renamed, truncated and removed" {
	mkdir d
	sentinel_file d/secret.txt 100
	run tim-wipe -v d/secret.txt
	assert_success
	assert_output --partial "complete 'd/secret.txt': 100.0 KiB written, method clear"
	assert_output --partial "verification all: passed"
	run ls -A d
	assert_output ""
}

@test "-n prints the plan and writes nothing" {
	sentinel_file f 64
	before=$(sha256sum f)
	run tim-wipe -n -m dod f
	assert_success
	assert_output --partial "would erase file 'f' (64.0 KiB): method dod (passes: 0x00,0xff,random), verify last, then rename, truncate and remove"
	[ "$(sha256sum f)" = "$before" ]
}

@test "a symbolic link is refused and its target is untouched" {
	sentinel_file target 8
	ln -s target link
	run tim-wipe link
	assert_failure 1
	assert_output --partial "'link' is a symbolic link; not followed"
	run no_sentinel target
	assert_failure 1
	assert_link_exists link
}

@test "a hard-linked file is refused unless --force-links" {
	sentinel_file a 8
	ln a b
	run tim-wipe a
	assert_failure 1
	assert_output --partial "'a' has 2 hard links"
	run no_sentinel b
	assert_failure 1
	run tim-wipe --force-links a
	assert_success
	assert_file_not_exists a
	run no_sentinel b
	assert_success
}

@test "a directory needs -r; -r erases the tree and never follows links out of it" {
	mkdir -p tree/sub/deeper outside
	sentinel_file tree/one 4
	sentinel_file tree/sub/two 4
	sentinel_file tree/sub/deeper/three 4
	: > tree/empty
	sentinel_file outside/keep 4
	ln -s ../../outside/keep tree/sub/link
	ln -s ../outside tree/dirlink
	run tim-wipe tree
	assert_failure 1
	assert_output --partial "'tree' is a directory (use -r)"
	run tim-wipe -r -m zero tree
	assert_success
	assert_output --partial "complete 'tree/sub/deeper/three'"
	assert_file_not_exists tree
	run no_sentinel outside/keep
	assert_failure 1
}

@test "-r -n lists the files and changes nothing" {
	mkdir -p tree/sub
	sentinel_file tree/sub/two 4
	run tim-wipe -r -n tree
	assert_success
	assert_output --partial "would erase file 'tree/sub/two'"
	assert_file_exists tree/sub/two
}

@test "a missing target is exit 3 and the batch goes on" {
	sentinel_file b 4
	run tim-wipe missing b
	assert_failure 3
	assert_output --partial "cannot stat 'missing'"
	assert_file_not_exists b
}

@test "the certificate carries the SP 800-88 fields; the page escapes names" {
	sentinel_file '<b>&x.txt' 20
	printf '[wipe]\norganization = 設計部\ntitle = 情報管理責任者\nlocation = 本社 3F\nphone = 03-0000-0000\ndestination = reuse\n' > "$TIM_CONFIG"
	run tim-wipe --cert c.json --html c.html --item 'USB-0042' --label 社外秘 --operator '山田' '<b>&x.txt'
	assert_success
	run json_get c.json 'd["standard"], d["result"], d["person"]["name"], d["tool"]["name"], d["media_destination"]'
	assert_output "NIST SP 800-88 Rev. 1, Appendix G complete 山田 tim-wipe reuse"
	run json_get c.json 'd["person"]["organization"], d["person"]["title"], d["person"]["location"], d["person"]["phone"], bool(d["person"]["host"])'
	assert_output "設計部 情報管理責任者 本社 3F 03-0000-0000 True"
	run json_get c.json 'd["items"][0]["method"], d["items"][0]["passes"], d["items"][0]["verification"]["mode"], d["items"][0]["verification"]["result"], d["items"][0]["bytes_written"], d["items"][0]["property_number"], d["items"][0]["category"]'
	assert_output "clear ['random'] all passed 20480 USB-0042 clear"
	run json_get c.json 'd["items"][0]["classification"], d["items"][0]["technique"], d["items"][0]["verification"]["method"], d["items"][0]["data_backed_up"]'
	assert_output "社外秘 overwrite full unknown"
	run json_get c.json 'sorted(d["items"][0]) , sorted(d["items"][0]["media"])'
	assert_output --partial "'bad_ranges'"
	assert_output --partial "'start'"
	assert_output --partial "'end'"
	assert_output --partial "'hpa_dco'"
	run grep -c '&lt;b&gt;&amp;x.txt' c.html
	assert_output 1
	run grep -c '<b>&x' c.html
	assert_output 0
	sha=$(sha256sum c.json | cut -d' ' -f1)
	run grep -c "$sha" c.html
	assert_output 1
}

@test "the certificate is never written over an existing file" {
	sentinel_file f 4
	echo old > c.json
	run tim-wipe --cert c.json f
	assert_failure 3
	assert_output --partial "'c.json' already exists"
	[ "$(cat c.json)" = old ]
}

@test "--ledger appends an erase record with the certificate's SHA-256" {
	tim-ledger init reg.tim
	sentinel_file f 16
	run tim-wipe --ledger reg.tim --cert c.json --item HDD-7 f
	assert_success
	run tim-ledger verify reg.tim
	assert_success
	run tim-ledger list --json reg.tim
	sha=$(sha256sum c.json | cut -d' ' -f1)
	assert_output --partial '"kind":"erase"'
	assert_output --partial '"item":"HDD-7"'
	assert_output --partial '"method":"clear"'
	assert_output --partial "\"cert_sha256\":\"$sha\""
	assert_output --partial '"verify":"passed"'
	assert_output --partial '"bytes":16384'
}

@test "verification catches a block that changed after the write" {
	sentinel_file f 256
	TIM_TEST_WIPE_TAMPER=65536 run tim_wipe_faults --keep -m zero --cert c.json f
	assert_failure 1
	assert_output --partial "'f': reads back wrong at bytes 65536-66047"
	run json_get c.json 'd["result"], d["items"][0]["verification"]["result"], d["items"][0]["verification"]["mismatches"]'
	assert_output "verification failed failed [[65536, 512]]"
	TIM_TEST_WIPE_TAMPER=0 run tim_wipe_faults -m clear f
	assert_failure 1
	assert_output --partial "'f' kept in place: the erasure is not complete"
	assert_file_exists f
}

@test "--check reads back a fixed last pass and reports changed bytes" {
	sentinel_file f 64
	run tim-wipe --keep -m dod f
	assert_success
	run tim-wipe --check -m dod f
	assert_failure 2
	assert_output --partial "--check needs a method whose last pass is a fixed pattern"
	run tim-wipe --keep -m passes=random,0xff f
	assert_success
	run tim-wipe --check -m passes=random,0xff f
	assert_success
	printf 'x' | dd of=f bs=1 seek=40000 conv=notrunc status=none
	run tim-wipe --check -m passes=random,0xff f
	assert_failure 1
	assert_output --partial "reads back wrong at bytes 39936-40447"
}

@test "write errors are retried, skipped, recorded, and the run is incomplete" {
	sentinel_file f 256
	TIM_TEST_WIPE_EIO=131072:1024 run tim_wipe_faults --keep -m zero --cert c.json f
	assert_failure 1
	assert_output --partial "'f': could not be written at bytes 131072-135167"
	assert_output --partial "'f' kept in place: the erasure is not complete"
	run json_get c.json 'd["result"], d["items"][0]["bad_ranges"], d["items"][0]["bytes_written"]'
	assert_output "incomplete [[131072, 4096]] 258048"
}

@test "a stopped run leaves a state file without the key, and --resume finishes it" {
	sentinel_file f 2048
	TIM_TEST_WIPE_STOP_AFTER=3000000 run tim_wipe_faults --keep -m passes=0x00,0xff --chunk 65536 --state st.json --cert c.json f
	assert_failure 1
	assert_output --partial "stopped 'f' in pass 2/2 (writing) at byte"
	assert_output --partial "to continue: tim-wipe --resume 'st.json'"
	[ "$(stat -c %a st.json)" = 600 ]
	assert_file_not_exists c.json
	run json_get st.json 'd["pass"], d["phase"], any("key" in k or k == "iv" for k in list(d) + list(d["options"]))'
	assert_output "1 write False"
	run tim-wipe --resume st.json
	assert_success
	assert_file_not_exists st.json
	python3 -c "import sys; d=open('f','rb').read(); sys.exit(0 if d==b'\xff'*len(d) else 1)"
	run json_get c.json 'd["result"], d["items"][0]["bytes_written"]'
	assert_output "complete 4194304"
}

@test "a stopped run never writes its state over an existing file" {
	sentinel_file f 256
	echo precious > st.json
	TIM_TEST_WIPE_STOP_AFTER=65536 run tim_wipe_faults --keep -m zero --chunk 65536 --state st.json f
	assert_failure 3
	assert_output --partial "'st.json' already exists; not overwriting it"
	[ "$(cat st.json)" = precious ]
	assert_file_not_exists st.json.tmp
}

@test "a stopped verified random pass restarts with a new key and verifies" {
	sentinel_file f 2048
	TIM_TEST_WIPE_STOP_AFTER=1000000 run tim_wipe_faults -m clear --chunk 65536 --state st.json f
	assert_failure 1
	assert_file_exists f
	run tim-wipe --resume st.json
	assert_success
	assert_output --partial "verification all: passed"
	assert_file_not_exists f
}

@test "--resume refuses a file that is not the one being erased" {
	sentinel_file f 256
	TIM_TEST_WIPE_STOP_AFTER=65536 run tim_wipe_faults --keep -m zero --chunk 65536 --state st.json f
	assert_failure 1
	rm f
	sentinel_file f 256
	run tim-wipe --resume st.json
	assert_failure 1
	assert_output --partial "is not the file the stopped run was erasing"
	run no_sentinel f
	assert_failure 1
	echo '{"tim":"other"}' > bad.json
	run tim-wipe --resume bad.json
	assert_failure 3
	assert_output --partial "is not a tim-wipe state file"
}

@test "--json prints one object per target" {
	sentinel_file f 8
	run tim-wipe --json -m zero f
	assert_success
	assert_output --partial '"target":"f","type":"file"'
	assert_output --partial '"result":"complete"'
}

@test "--info on something that is not a block device is a usage error" {
	touch f
	run tim-wipe --info f
	assert_failure 2
	assert_output --partial "'f' is not a block device"
}

@test "Japanese messages" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "ja_JP.UTF-8 locale not installed"
	sentinel_file target 4
	ln -s target link
	LANG=ja_JP.UTF-8 run tim-wipe link
	assert_failure 1
	assert_output --partial "シンボリックリンク"
}

# ------------------------------------------------------------ devices

@test "device: every method leaves no sentinel on a loop device" {
	need_loop 8192
	for m in zero random clear dod passes=0x00,random,0x924924; do
		sentinel_file "$BATS_TEST_TMPDIR/img" 8192
		run tim-wipe -y -m "$m" "$LOOP"
		assert_success
		assert_output --partial "complete '$LOOP'"
		run no_sentinel "$LOOP"
		assert_success
	done
}

@test "device: gutmann on a loop device" {
	need_loop 2048
	run tim-wipe -y -m gutmann --cert c.json "$LOOP"
	assert_success
	run no_sentinel "$LOOP"
	assert_success
	run json_get c.json 'd["items"][0]["pass_count"], d["items"][0]["media"]["type"], d["items"][0]["media"]["backing_file"].endswith("/img"), d["items"][0]["media"]["hpa_dco"]'
	assert_output "35 loop device True unknown"
}

@test "device: no terminal and no -y is a refusal; -n writes nothing" {
	need_loop 4096
	before=$(sha256sum < "$LOOP")
	run tim-wipe "$LOOP" < /dev/null
	assert_failure 2
	assert_output --partial "refusing to erase '$LOOP' without confirmation"
	run tim-wipe -n "$LOOP"
	assert_success
	assert_output --partial "would erase device '$LOOP' (4.0 MiB)"
	[ "$(sha256sum < "$LOOP")" = "$before" ]
}

@test "device: verification catches a block changed after the write" {
	need_loop 8192
	TIM_TEST_WIPE_TAMPER=1048576 run tim_wipe_faults -y -m clear "$LOOP"
	assert_failure 1
	assert_output --partial "reads back wrong at bytes 1048576-1049087"
	run tim-wipe -y -m zero "$LOOP"
	assert_success
	run tim-wipe --check -m zero "$LOOP"
	assert_success
	printf 'x' | dd of="$LOOP" bs=1 seek=5000000 conv=notrunc status=none
	sync
	run tim-wipe --check -m zero "$LOOP"
	assert_failure 1
	assert_output --partial "reads back wrong at bytes 4999680-5000191"
}

@test "device: sample verification" {
	need_loop 16384
	run tim-wipe -y --verify sample --chunk 1M --cert c.json "$LOOP"
	assert_success
	run json_get c.json 'd["items"][0]["verification"]["mode"], d["items"][0]["verification"]["bytes_verified"] >= 16777216 // 10'
	assert_output "sample True"
}

@test "device: a mounted loop device is refused and nothing is written" {
	need_loop 16384
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"
	# The file system takes the first half; the second half keeps the
	# sentinel, which a refused wipe must leave alone.
	mkfs.ext4 -q -F "$LOOP" 8M || skip "mkfs.ext4 failed"
	mkdir mnt
	mount "$LOOP" mnt || skip "cannot mount here"
	echo "$BATS_TEST_TMPDIR/mnt" >> "$BATS_TEST_TMPDIR/mounts"
	tail_sum() { dd if="$LOOP" bs=1M skip=8 status=none | sha256sum; }
	before=$(tail_sum)
	run tim-wipe -y "$LOOP"
	assert_failure 1
	assert_output --partial "is in use: ${LOOP##*/} on $BATS_TEST_TMPDIR/mnt mounted"
	run tim-wipe -y -m zero "$LOOP"
	assert_failure 1
	run tim-wipe --info "$LOOP"
	assert_output --partial "mounted:         ${LOOP##*/} on"
	[ "$(tail_sum)" = "$before" ]
	run no_sentinel "$LOOP"
	assert_failure 1
}

@test "device: the disk holding / is refused without --force-system" {
	need_root
	dev=$(python3 -c "
import os
st = os.stat('/')
p = '/sys/dev/block/%d:%d' % (os.major(st.st_dev), os.minor(st.st_dev))
print('/dev/' + os.path.basename(os.path.realpath(p)) if os.path.exists(p) else '')")
	[ -n "$dev" ] && [ -b "$dev" ] || skip "/ is not on a block device here"
	run tim-wipe -n -y "$dev"
	assert_failure 1
	assert_output --partial "holds the running system (/"
}

@test "device: --hardware refuses cleanly on a loop device" {
	need_loop 4096
	before=$(sha256sum < "$LOOP")
	run tim-wipe --hardware -y "$LOOP"
	assert_failure 1
	assert_output --partial "offers no hardware erase: a loop device has no NVMe, ATA or SCSI command set to ask"
	run tim-wipe --hardware=secdiscard -y "$LOOP"
	assert_failure 1
	assert_output --partial "does not support secure discard"
	run tim-wipe --info "$LOOP"
	assert_success
	assert_output --partial "sanitize:        unknown: a loop device has no NVMe, ATA or SCSI command set to ask"
	[ "$(sha256sum < "$LOOP")" = "$before" ]
}

@test "device: --info reports identity, size and sectors" {
	need_loop 4096
	run tim-wipe --info "$LOOP"
	assert_success
	assert_output --partial "transport:       loop"
	assert_output --partial "size:            4.0 MiB (4194304 bytes)"
	assert_output --partial "backing file:    $BATS_TEST_TMPDIR/img"
	run tim-wipe --info --json "$LOOP"
	assert_success
	assert_output --partial '"transport":"loop","size":4194304'
}

@test "device: SIGINT stops cleanly and --resume gives the same end result" {
	need_loop 32768
	tim-wipe -y -m gutmann --state st.json --cert c.json "$LOOP" > out 2>&1 &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	if [ "$st" -eq 0 ]; then
		skip "the wipe finished before the signal arrived"
	fi
	[ "$st" -eq 1 ]
	grep -q "to continue: tim-wipe --resume 'st.json'" out
	run tim-wipe --resume st.json -y
	assert_success
	run no_sentinel "$LOOP"
	assert_success
	run json_get c.json 'd["result"], d["items"][0]["pass_count"], d["items"][0]["verification"]["result"]'
	assert_output "complete 35 passed"
}

@test "device: files on flash media get one clear warning per run" {
	need_loop 16384
	[ -w "/sys/block/${LOOP##*/}/queue/rotational" ] || skip "cannot mark the loop device non-rotational"
	echo 0 > "/sys/block/${LOOP##*/}/queue/rotational"
	mkfs.ext4 -q -F "$LOOP" || skip "mkfs.ext4 failed"
	mkdir mnt
	mount "$LOOP" mnt || skip "cannot mount here"
	echo "$BATS_TEST_TMPDIR/mnt" >> "$BATS_TEST_TMPDIR/mounts"
	mkdir mnt/d
	sentinel_file mnt/d/a 8
	sentinel_file mnt/d/b 8
	run tim-wipe -r mnt/d
	assert_success
	assert_output --partial "a flash (non-rotational) device: wear levelling keeps old copies"
	assert_output --partial "erase the whole device with --hardware"
	[ "$(echo "$output" | grep -c 'warning:')" -eq 1 ]
	umount mnt
}

@test "device: active swap is refused and nothing is written" {
	need_loop 16384
	command -v mkswap >/dev/null && command -v swapon >/dev/null || skip "mkswap/swapon not installed"
	mkswap -q "$LOOP" >/dev/null 2>&1 || skip "mkswap failed"
	swapon "$LOOP" 2>/dev/null || skip "cannot enable swap here"
	echo "$LOOP" >> "$BATS_TEST_TMPDIR/swaps"
	# Only the header page: while the swap is active the kernel may page
	# out into the rest (it did, under other jobs' memory pressure), but it
	# never writes page 0, and tim-wipe's first write would land there.
	before=$(head -c 4096 "$LOOP" | sha256sum)
	run tim-wipe -y "$LOOP"
	assert_failure 1
	assert_output --partial "is in use: ${LOOP##*/} is active swap (swapoff it, or --force-swap)"
	run tim-wipe --info "$LOOP"
	assert_output --partial "swap:            ${LOOP##*/}"
	swapoff "$LOOP"
	[ "$(head -c 4096 "$LOOP" | sha256sum)" = "$before" ]
	head -c 4096 "$LOOP" | grep -aq SWAPSPACE2
}

@test "device: on a terminal it asks, and only yes goes on" {
	need_loop 4096
	command -v script >/dev/null || skip "script(1) is not installed"
	before=$(sha256sum < "$LOOP")
	run sh -c "(sleep 1; printf 'no\n') | script -qfec 'tim-wipe -m zero $LOOP' /dev/null"
	assert_failure 1
	assert_output --partial "Erase everything on '$LOOP'? This cannot be undone. Type yes to go on:"
	assert_output --partial "'$LOOP' not erased"
	[ "$(sha256sum < "$LOOP")" = "$before" ]
	run sh -c "(sleep 1; printf 'yes\n') | script -qfec 'tim-wipe -m zero $LOOP' /dev/null"
	assert_success
	assert_output --partial "complete '$LOOP'"
	run no_sentinel "$LOOP"
	assert_success
}
