#!/usr/bin/env bats
# tim-wipe --hardware against real command sets: QEMU's NVMe controller, an
# AHCI SATA disk and a virtio-scsi disk in a VM under software emulation
# (tests/vm/run). One boot in setup_file runs every erasure; the tests assert
# on what came back (exit status, output, certificate) and on the backing
# images on the host after power-off, since a success code alone proves
# nothing: QEMU's scsi-hd answers FORMAT UNIT with GOOD and changes nothing,
# and hdparm exits 0 when the drive aborted SECURITY ERASE.

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
	sata TIMSATA1 sata.img
	scsi TIMSCSI1 scsi.img
	DISKS
	local kind serial img
	while read -r kind serial img; do
		sentinel "$serial" > "$VM/$img"
	done < "$VM/disks"
	# The job: each erasure bounded by a guest timeout well under the VM's.
	cat > "$VM/job.sh" <<-'JOB'
	vm_find TIMNVME1 TIMNVME2 TIMNVME3 TIMSATA1 TIMSCSI1 || exit 1
	for s in TIMNVME1 TIMSATA1 TIMSCSI1; do
		vm_run "info-$s" 30 tim-wipe --info "$(vm_disk $s)"
	done
	hw() {	# name, serial, tim-wipe options
		local name=$1 dev
		dev=$(vm_disk "$2")
		shift 2
		vm_run "$name" 30 tim-wipe "$@" -y --cert "/out/$name.json" "$dev"
	}
	hw nvme-auto TIMNVME1 --hardware
	hw nvme-block TIMNVME2 --hardware=block
	hw nvme-crypto TIMNVME3 --hardware=crypto
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
}

@test "vm: --info shows the SATA disk with no sanitize and no security erase" {
	result info-TIMSATA1
	assert_equal "$status" 0
	assert_line --regexp '^  model: +QEMU HARDDISK$'
	assert_line --regexp '^  serial: +TIMSATA1$'
	assert_line --regexp '^  transport: +ata$'
	assert_line --regexp '^  sanitize: +crypto erase no, block erase no, overwrite no$'
	assert_line --regexp '^  security erase: +no \(enhanced no, frozen no, password set no\)$'
}

@test "vm: --info shows the SCSI disk, whose SANITIZE support shows only when tried" {
	result info-TIMSCSI1
	assert_equal "$status" 0
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
	[ "$(cert nvme-auto 'c["items"][0]["bytes_written"]')" = 0 ]
	[ "$(cert nvme-auto 'c["items"][0]["result"]')" = complete ]
}

@test "vm: NVMe --hardware certificate says today that the erase was not verified" {
	# Part 2 of issue 11 makes tim-wipe read the namespace back; this test
	# then changes to expect the verification it did.
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["mode"]')" = off ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["result"]')" = \
	    "not verified (erase inside the device)" ]
	[ "$(cert nvme-auto 'c["items"][0]["verification"]["bytes_verified"]')" = 0 ]
}

@test "vm: NVMe --hardware=block picks Format NVM, erases the namespace and certifies it" {
	result nvme-block
	assert_equal "$status" 0
	assert_line --regexp "^complete '/dev/nvme[0-9]n1': NVMe Format NVM \(block erase\) finished$"
	assert_erased nvme-block.img
	cmp -n "$SIZE" "$VM/nvme-block.img" /dev/zero
	[ "$(cert nvme-block 'c["items"][0]["media"]["serial"]')" = TIMNVME2 ]
	[ "$(cert nvme-block 'c["items"][0]["technique"]')" = "block erase" ]
	[ "$(cert nvme-block 'c["items"][0]["method_spec"]')" = "NVMe Format NVM" ]
	[ "$(cert nvme-block 'c["result"]')" = complete ]
}

@test "vm: NVMe --hardware=crypto on a controller without crypto erase is refused, exit 1, nothing written" {
	result nvme-crypto
	assert_equal "$status" 1
	dev=$(guest_dev TIMNVME3 nvme-crypto)
	[ -n "$dev" ]
	assert_line "tim-wipe: '$dev' does not offer crypto erase"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/nvme-crypto.json"
	assert_untouched nvme-crypto.img TIMNVME3
}

@test "vm: SATA --hardware is refused, exit 1, the disk untouched" {
	result sata-auto
	assert_equal "$status" 1
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
	assert_line --regexp "^tim-wipe: '/dev/sd[a-z]' does not offer security-erase"
	refute_output --partial complete
	assert_file_not_exist "$VM/out/sata-security.json"
	assert_untouched sata.img TIMSATA1
}

@test "vm: SCSI --hardware fails cleanly on the refused SANITIZE: exit 3, sense key, in seconds" {
	result scsi-auto
	assert_equal "$status" 3
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
	run trace "opname 'NVME_ADM_CMD_FORMAT_NVM'"
	assert_output "2 'NVME_ADM_CMD_FORMAT_NVM'"
	run trace 'opc 0x84 '
	assert_output ''
}

@test "vm: QEMU saw no ATA SANITIZE or SECURITY command reach the SATA disk" {
	run trace 'cmd 0x[0-9a-f]+'
	assert_success
	assert_line --regexp ' 0xec$'	# IDENTIFY DEVICE: the trace did record it
	refute_line --regexp ' 0x(b4|f[1-6])$'
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
	refute_output --regexp '(sata|scsi|crypto).*\.json'
}
