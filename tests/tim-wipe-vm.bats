#!/usr/bin/env bats
# tim-wipe --hardware against real command sets: QEMU's NVMe controller, an
# AHCI SATA disk and a virtio-scsi disk in a VM under software emulation
# (tests/vm/run). One boot in setup_file runs every erasure; the tests assert
# on what came back (exit status, output, certificate) and on the backing
# images on the host after power-off, since a success code alone proves
# nothing: QEMU's scsi-hd answers FORMAT UNIT with GOOD and changes nothing,
# and hdparm exits 0 when the drive aborted SECURITY ERASE. So tim-wipe
# reads the device back around every hardware erase, and the test build
# (tests/hooks: tim-wipe-faults in the guest) plays a device that answers
# success and erases nothing, and sends SECURITY SET PASSWORD to a SATA disk
# that aborts it: both must fail.

load test_helper

SIZE=$((4 * 1048576))	# each backing image: 4 MiB

# The sentinel that fills the disk with serial $1 before the boot.
sentinel() {
	yes "TIM-SENTINEL-$1" | head -c "$SIZE"
}

# TIM_VM_DIR keeps the VM's files (images, console, results) for a look after.
setup_file() {
	export VM="${TIM_VM_DIR:-$BATS_FILE_TMPDIR/vm}"
	mkdir -p "$VM"
	rm -f "$VM/skip" "$VM/run.rc"
	export TIM_WIPE="${TIM_BUILD:+$TIM_BUILD/bin/}tim-wipe"
	TIM_WIPE=$(command -v "$TIM_WIPE") || TIM_WIPE=
	if ! why=$("$TIM_SRC/tests/vm/run" --check); then
		echo "$why" > "$VM/skip"
		return 0
	fi
	cat > "$VM/disks" <<-'DISKS'
	nvme TIMNVME1 nvme-auto.img
	nvme TIMNVME2 nvme-block.img
	nvme TIMNVME3 nvme-crypto.img
	nvme TIMNVME4 nvme-lying.img
	sata TIMSATA1 sata.img
	scsi TIMSCSI1 scsi.img
	DISKS
	local kind serial img
	while read -r kind serial img; do
		sentinel "$serial" > "$VM/$img"
	done < "$VM/disks"
	# The job: each erasure bounded by a guest timeout well under the VM's.
	cat > "$VM/job.sh" <<-'JOB'
	vm_find TIMNVME1 TIMNVME2 TIMNVME3 TIMNVME4 TIMSATA1 TIMSCSI1 || exit 1
	for s in TIMNVME1 TIMSATA1 TIMSCSI1; do
		vm_run "info-$s" 30 tim-wipe --info "$(vm_disk $s)"
	done
	vm_run info-json-TIMNVME1 30 tim-wipe --info --json "$(vm_disk TIMNVME1)"
	hw() {	# name, serial, tim-wipe options
		local name=$1 dev
		dev=$(vm_disk "$2")
		shift 2
		vm_run "$name" 30 tim-wipe "$@" -y --cert "/out/$name.json" "$dev"
	}
	hw nvme-auto TIMNVME1 --hardware --html /out/nvme-auto.html --lang ja --item PC-0107 \
	    --operator 山田太郎 --organization 株式会社サンプル製作所 --destination reuse
	hw nvme-block TIMNVME2 --hardware=block --verify all
	hw nvme-crypto TIMNVME3 --hardware=crypto
	hw nvme-verify-off TIMNVME3 --hardware --verify off
	# The test build's lying device: the command is never sent, "success".
	command -v tim-wipe-faults >/dev/null || echo "no test build" > /out/no-faults
	vm_run nvme-lying 30 env TIM_TEST_WIPE_SKIP_HW=1 tim-wipe-faults --hardware -y \
	    --cert /out/nvme-lying.json --html /out/nvme-lying.html --lang ja "$(vm_disk TIMNVME4)"
	# The test build takes the SATA disk to offer security erase: QEMU aborts.
	vm_run sata-abort 30 env TIM_TEST_WIPE_ATA_SECURITY=1 tim-wipe-faults \
	    --hardware=security-erase -y --cert /out/sata-abort.json "$(vm_disk TIMSATA1)"
	hw sata-auto TIMSATA1 --hardware
	hw sata-security TIMSATA1 --hardware=security-erase
	hw scsi-auto TIMSCSI1 --hardware
	hw scsi-block TIMSCSI1 --hardware=block
	JOB
	local t0=$SECONDS st=0
	"$TIM_SRC/tests/vm/run" "$VM" > "$VM/run.err" 2>&1 || st=$?
	echo $st > "$VM/run.rc"
	echo $((SECONDS - t0)) > "$VM/run.secs"
}

# Per test: skip when the VM cannot run at all, fail when it ran but did
# not come back (timeout or crash), with the console's end as the reason.
setup_file_local() {
	[ ! -f "$VM/skip" ] || skip "$(cat "$VM/skip")"
	if [ "$(cat "$VM/run.rc")" != 0 ]; then
		echo "the VM run failed with status $(cat "$VM/run.rc"):"
		if [ "$BATS_TEST_NUMBER" = 1 ]; then cat "$VM/run.err"; else head -n 1 "$VM/run.err"; fi
		return 1
	fi
}

# The fault tests need the test build (TIM_BUILD/test-bin/tim-wipe), which
# an installed-tools run does not have.
need_faults() {
	[ ! -f "$VM/out/no-faults" ] || skip "no test build of tim-wipe (\$TIM_BUILD/test-bin/tim-wipe) to carry into the VM"
}

# result NAME: puts the guest run NAME's exit status, output and seconds in
# $status, $output and $secs, like bats' run.
result() {
	[ -f "$VM/out/$1.rc" ] || { echo "no result for '$1'"; cat "$VM/out/job.log"; return 1; }
	status=$(cat "$VM/out/$1.rc")
	output=$(cat "$VM/out/$1.out")
	mapfile -t lines < "$VM/out/$1.out"
	secs=$(cat "$VM/out/$1.secs")
}

# cert NAME EXPR: prints the Python expression EXPR over the certificate c
# of the guest run NAME (one field, without needing jq).
cert() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	    "$VM/out/$1.json" "$2"
}

# The image is untouched: byte for byte the sentinel it was filled with.
assert_untouched() {	# image, serial
	sentinel "$2" | cmp - "$VM/$1"
}

# No trace of the sentinel anywhere in the image.
assert_erased() {	# image
	run grep -ac TIM-SENTINEL "$VM/$1"
	assert_output 0
}

# The whole-disk device the guest gave the disk with serial $1.
guest_dev() {
	sed -n "s/^'\(\/dev\/[a-z0-9]*\)' (.*serial $1, .*/\1/p" "$VM/out/$2.out"
}

@test "vm: the VM booted, ran the job and powered off within the timeout" {
	run cat "$VM/out/job.rc"
	assert_output 0
	[ "$(cat "$VM/run.secs")" -lt "${TIM_VM_TIMEOUT:-120}" ]
	grep -q 'TIM-VM: results written' "$VM/console.log"
}

@test "vm: --info shows the NVMe namespace with Format NVM but no Sanitize and no crypto erase" {
	result info-TIMNVME1
	assert_equal "$status" 0
	assert_line --regexp '^  model: +QEMU NVMe Ctrl$'
	assert_line --regexp '^  serial: +TIMNVME1$'
	assert_line --regexp '^  transport: +nvme$'
	assert_line --regexp '^  size: +4.0 MiB \(4194304 bytes\)$'
	assert_line --regexp '^  sanitize: +crypto erase no, block erase no, overwrite no$'
	assert_line --regexp '^  format erase: +yes \(crypto no\)$'
	# QEMU's namespace sets DLFEAT 1: the read-back after Format NVM expects zeros
	assert_line --regexp '^  deallocated: +reads as zeros \(DLFEAT 1\)$'
}

@test "vm: --info --json gives the NVMe namespace's DLFEAT and what a deallocated block reads as" {
	result info-json-TIMNVME1
	assert_equal "$status" 0
	j() { python3 -c 'import json,sys; j=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<< "$output"; }
	[ "$(j 'j["serial"]')" = TIMNVME1 ]
	[ "$(j 'j["sanitize"]["command_set"]')" = nvme ]
	[ "$(j 'j["sanitize"]["dlfeat"]')" = 1 ]
	[ "$(j 'j["sanitize"]["deallocated_reads"]')" = zeros ]
}

@test "vm: --info shows the SATA disk with no sanitize and no security erase" {
	result info-TIMSATA1
	assert_equal "$status" 0
	assert_line --regexp '^  model: +QEMU HARDDISK$'
	assert_line --regexp '^  serial: +TIMSATA1$'
	assert_line --regexp '^  transport: +ata$'
	assert_line --regexp '^  sanitize: +crypto erase no, block erase no, overwrite no$'
	assert_line --regexp '^  security erase: +no \(enhanced no, frozen no, password set no\)$'
	refute_line --regexp '^  deallocated:'
}

@test "vm: --info shows the SCSI disk, whose SANITIZE support shows only when tried" {
	result info-TIMSCSI1
	assert_equal "$status" 0
	assert_line --regexp '^  serial: +TIMSCSI1$'
	refute_line --regexp '^  deallocated:'	# DLFEAT is NVMe's
	assert_line --regexp '^  transport: +scsi$'
	assert_line --regexp '^  sanitize: +crypto erase unknown, block erase unknown, overwrite unknown$'
}

@test "vm: NVMe --hardware picks Format NVM (block erase), reports complete and exits 0" {
	result nvme-auto
	assert_equal "$status" 0
	assert_line --regexp "^'/dev/nvme[0-9]n1' \(/dev/nvme[0-9]n1\): QEMU NVMe Ctrl, serial TIMNVME1, 4.0 MiB$"
	assert_line --regexp "^complete '/dev/nvme[0-9]n1': NVMe Format NVM \(block erase\) finished$"
}

@test "vm: NVMe --hardware leaves no sentinel in the namespace: the host image is all zeros" {
	assert_erased nvme-auto.img
	cmp -n "$SIZE" "$VM/nvme-auto.img" /dev/zero
}

@test "vm: NVMe --hardware certificate: purge, block erase by NVMe Format NVM, complete" {
	[ "$(cert nvme-auto 'c["result"]')" = complete ]
	[ "$(cert nvme-auto 'len(c["items"])')" = 1 ]
	[ "$(cert nvme-auto 'c["items"][0]["media"]["serial"]')" = TIMNVME1 ]
	[ "$(cert nvme-auto 'c["items"][0]["media"]["transport"]')" = nvme ]
	[ "$(cert nvme-auto 'c["items"][0]["media"]["size_bytes"]')" = "$SIZE" ]
	[ "$(cert nvme-auto 'c["items"][0]["category"]')" = purge ]
	[ "$(cert nvme-auto 'c["items"][0]["technique"]')" = "block erase" ]
	[ "$(cert nvme-auto 'c["items"][0]["method"]')" = hardware ]
	[ "$(cert nvme-auto 'c["items"][0]["method_spec"]')" = "NVMe Format NVM" ]
	# the secure erase setting sent: user data erase (QEMU's trace does not show it)
	[ "$(cert nvme-auto 'c["items"][0]["command"]')" = "Format NVM (80h), SES 1 (user data erase), LBAF 0, NSID 1" ]
	[ "$(cert nvme-auto 'c["items"][0]["bytes_written"]')" = 0 ]
	[ "$(cert nvme-auto 'c["items"][0]["result"]')" = complete ]
}

@test "vm: NVMe --hardware reads a sample back: 1,000 blocks hashed before, none unchanged, zeros as DLFEAT promises" {
	result nvme-auto
	assert_line --regexp "^verified '/dev/nvme[0-9]n1': 1000 blocks of 512 bytes read back \\(sample\\): none holds its old content, expected zeros$"
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["mode"]')" = sample ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["result"]')" = passed ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["blocks_read"]')" = 1000 ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["bytes_verified"]')" = 512000 ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["block_size"]')" = 512 ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["expected"]')" = zeros ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["blocks_unchanged"]')" = 0 ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["blocks_already_erased"]')" = 0 ]
	cert nvme-auto 'c["items"][0]["verification"]["method"]' | grep -q 'hashed (SHA-256) before the erase'
}

@test "vm: the NVMe certificate page: one A4 page in headless Chromium, the read-back and the seal block in Japanese" {
	need_chromium
	chromium_render "$VM/out/nvme-auto.html" pdf
	run pdfinfo "$VM/out/nvme-auto.pdf"
	assert_line --regexp '^Pages: +1$'
	assert_line --regexp '\(A4\)$'
	run pdftotext -layout "$VM/out/nvme-auto.pdf" -
	assert_output --partial 'データ消去証明書'
	assert_output --regexp 'シリアル番号 +TIMNVME1'
	assert_output --regexp '区分 \(NIST SP 800-88\) +除去 \(Purge\)'
	assert_output --regexp '手法 +ブロック消去 · Format NVM \(80h\), SES 1 \(user data erase\), LBAF 0, NSID 1'
	assert_output --regexp '検証 +抜き取り、期待値: すべて 0 · 合格'
	assert_output --regexp '1000 ブロック（各 512 バイト、全 8192 ブロック中）を読み戻し。元の内容のまま\s+0、'
	assert_output --regexp '隠し領域 \(HPA/DCO\) +該当なし（NVMe）'
	assert_output --regexp '結果 +完了'
	for w in 実施者 確認者 承認者 署名・印; do assert_output --partial "$w"; done
}

@test "vm: the lying device's certificate page says verification failed, in red, with the blocks left" {
	need_faults
	grep -q '<span class="bad">検証不合格</span>' "$VM/out/nvme-lying.html"
	grep -q '元の内容のまま 1000' "$VM/out/nvme-lying.html"
	run grep -c '<span class="ok">完了' "$VM/out/nvme-lying.html"
	assert_output 0
}

@test "vm: NVMe --hardware=block --verify all picks Format NVM, erases the namespace, reads every block back" {
	result nvme-block
	assert_equal "$status" 0
	assert_line --regexp "^complete '/dev/nvme[0-9]n1': NVMe Format NVM \(block erase\) finished$"
	assert_line --regexp "^verified '/dev/nvme[0-9]n1': 8192 blocks of 512 bytes read back \(all\): none holds its old content, expected zeros$"
	[ "$(cert nvme-block 'c["items"][0]["verification"]["mode"]')" = all ]
	[ "$(cert nvme-block 'c["items"][0]["verification"]["blocks_read"]')" = 8192 ]
	[ "$(cert nvme-block 'c["items"][0]["verification"]["bytes_verified"]')" = "$SIZE" ]
	[ "$(cert nvme-block 'c["items"][0]["verification"]["result"]')" = passed ]
	assert_erased nvme-block.img
	cmp -n "$SIZE" "$VM/nvme-block.img" /dev/zero
	[ "$(cert nvme-block 'c["items"][0]["media"]["serial"]')" = TIMNVME2 ]
	[ "$(cert nvme-block 'c["items"][0]["technique"]')" = "block erase" ]
	[ "$(cert nvme-block 'c["items"][0]["method_spec"]')" = "NVMe Format NVM" ]
	[ "$(cert nvme-block 'c["items"][0]["command"]')" = "Format NVM (80h), SES 1 (user data erase), LBAF 0, NSID 1" ]
	[ "$(cert nvme-block 'c["result"]')" = complete ]
}

@test "vm: NVMe --hardware=crypto on a controller without crypto erase is refused, exit 1, nothing written" {
	result nvme-crypto
	assert_equal "$status" 1
	dev=$(guest_dev TIMNVME3 nvme-crypto)
	[ -n "$dev" ]
	assert_line "tim-wipe: '$dev' does not offer crypto erase (--hardware=crypto)"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/nvme-crypto.json"
	assert_untouched nvme-crypto.img TIMNVME3
}

@test "vm: NVMe --hardware --verify off is a usage error, exit 2, nothing sent" {
	result nvme-verify-off
	assert_equal "$status" 2
	assert_line "tim-wipe: --hardware always reads the device back: --verify off cannot be used with it (use sample or all)"
	assert_file_not_exist "$VM/out/nvme-verify-off.json"
	assert_untouched nvme-crypto.img TIMNVME3
}

@test "vm: a device that answers success and erases nothing fails: exit 1, unchanged blocks named, certificate says failed" {
	# The test build (tests/hooks) skips the command and takes it as done,
	# as a lying drive or bridge would; only the read-back can tell.
	need_faults
	result nvme-lying
	assert_equal "$status" 1
	assert_line --regexp "^tim-wipe: failed '/dev/nvme[0-9]n1': NVMe Format NVM reported success, but 1000 of 1000 blocks read back still hold their old content \(the first at byte 0\)$"
	refute_output --partial complete
	refute_output --partial verified
	[ "$(cert nvme-lying 'c["result"]')" = "verification failed" ]
	[ "$(cert nvme-lying 'c["items"][0]["result"]')" = "verification failed" ]
	[ "$(cert nvme-lying 'c["items"][0]["verification"]["result"]')" = failed ]
	[ "$(cert nvme-lying 'c["items"][0]["verification"]["blocks_unchanged"]')" = 1000 ]
	[ "$(cert nvme-lying 'c["items"][0]["verification"]["first_unchanged_offset"]')" = 0 ]
	assert_untouched nvme-lying.img TIMNVME4
}

@test "vm: SATA --hardware is refused, exit 1, the disk untouched" {
	result sata-auto
	assert_equal "$status" 1
	# the header names the disk as --info does: the serial from IDENTIFY DEVICE
	assert_line --regexp "^'/dev/sd[a-z]' \(/dev/sd[a-z]\): ATA QEMU HARDDISK, serial TIMSATA1, 4.0 MiB$"
	assert_line --regexp "^tim-wipe: '/dev/sd[a-z]' offers no sanitize or security erase; use an overwrite method instead$"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/sata-auto.json"
	assert_untouched sata.img TIMSATA1
}

@test "vm: SATA --hardware=security-erase on a disk without the feature set is refused, exit 1" {
	# QEMU's ide-hd does not claim the security feature set, so tim-wipe
	# refuses before any SECURITY SET PASSWORD / ERASE UNIT reaches it.
	result sata-security
	assert_equal "$status" 1
	assert_line --regexp "^tim-wipe: '/dev/sd[a-z]' does not offer ATA security erase \(--hardware=security-erase\)"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/sata-security.json"
	assert_untouched sata.img TIMSATA1
}

@test "vm: ATA SECURITY SET PASSWORD that the drive aborts is a failure with the ATA status, not success" {
	# The test build claims the feature set so the command reaches QEMU's
	# ide-hd, which aborts it (ERR in status, ABRT in error).
	need_faults
	result sata-abort
	assert_equal "$status" 3
	assert_line --regexp "^tim-wipe: the drive aborted SECURITY SET PASSWORD \(ATA status 0x[0-9a-f]{2}, error 0x[0-9a-f]{2}, ABRT\)$"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/sata-abort.json"
	assert_untouched sata.img TIMSATA1
}

@test "vm: SCSI --hardware fails cleanly on the refused SANITIZE: exit 3, sense key, in seconds" {
	result scsi-auto
	assert_equal "$status" 3
	# the header names the disk as --info does: the unit serial number (VPD 80h)
	assert_line --regexp "^'/dev/sd[a-z]' \(/dev/sd[a-z]\): QEMU QEMU HARDDISK, serial TIMSCSI1, 4.0 MiB$"
	assert_line "tim-wipe: the device refused SANITIZE (sense key 5)"
	refute_output --partial complete
	[ "${secs%.*}" -lt 10 ]
	assert_file_not_exist "$VM/out/scsi-auto.json"
	assert_untouched scsi.img TIMSCSI1
}

@test "vm: SCSI --hardware=block fails the same way, without a hang or a write" {
	result scsi-block
	assert_equal "$status" 3
	assert_line "tim-wipe: the device refused SANITIZE (sense key 5)"
	refute_output --partial complete
	[ "${secs%.*}" -lt 10 ]
	assert_file_not_exist "$VM/out/scsi-block.json"
	assert_untouched scsi.img TIMSCSI1
}

# QEMU's trace of what reached the drives (tests/vm/run), as
# "count name" lines: NVMe admin opcode names, ATA command bytes (IDE and
# AHCI), SCSI operation codes in decimal.
trace() {	# extended regexp of one kind of line
	grep -oE "$1" "$VM/qemu-trace.log" | sort | uniq -c | awk '{ print $1, $NF }'
}

@test "vm: QEMU saw two NVMe Format NVM commands (auto, block) and no Sanitize" {
	# The lying device's erase was never sent: still two.
	run trace "opname 'NVME_ADM_CMD_FORMAT_NVM'"
	assert_output "2 'NVME_ADM_CMD_FORMAT_NVM'"
	run trace 'opc 0x84 '
	assert_output ''
}

@test "vm: QEMU saw no ATA SANITIZE or SECURITY ERASE reach the SATA disk; the one SET PASSWORD was aborted" {
	run trace 'cmd 0x[0-9a-f]+'
	assert_success
	assert_line --regexp ' 0xec$'	# IDENTIFY DEVICE: the trace did record it
	refute_line --regexp ' 0x(b4|f[2-6])$'	# no SANITIZE, no ERASE PREPARE/UNIT
	# SECURITY SET PASSWORD (0xf1) reached it once, from the test build, and was aborted
	[ -f "$VM/out/no-faults" ] || assert_line --regexp '^1 0xf1$'
}

@test "vm: QEMU saw two SCSI SANITIZE commands (auto, block) and no FORMAT UNIT" {
	run trace 'command [0-9]+ '
	assert_line '2 72'	# SANITIZE, 0x48
	refute_line --regexp ' 4$'	# FORMAT UNIT, 0x04
}

@test "vm: nothing in the run says complete but the two NVMe erasures, whose images hold zeros" {
	run grep -l '^complete ' "$VM"/out/*.out
	assert_output "$VM/out/nvme-auto.out
$VM/out/nvme-block.out"
	run ls "$VM"/out/
	refute_line --regexp '^(sata|scsi|nvme-crypto|nvme-verify-off).*\.json$'
	[ -f "$VM/out/no-faults" ] || assert_line nvme-lying.json	# a failure's certificate, which says so
}
