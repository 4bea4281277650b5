#!/bin/sh
# tim-wipe against its peers on a 2 GiB loop device: one keystream pass
# versus dd writing zeros with O_DIRECT, shred -n1 and nwipe (if installed),
# and the read-back pass against the write. Prints seconds and ratios.
# Needs root (loop devices); BENCH_SIZE_MB and LOOP_DIO=on|off to vary it.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
PATH="$here/$B/bin:$PATH"
size_mb=${BENCH_SIZE_MB:-2048}
dio=${LOOP_DIO:-on}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/wipe.sh: skipped: needs root for a loop device"
	exit 0
fi
if ! command -v losetup >/dev/null 2>&1 || [ ! -e /dev/loop-control ]; then
	echo "bench/wipe.sh: skipped: no loop device support"
	exit 0
fi
work=$(mktemp -d)
dev=
cleanup() {
	[ -n "$dev" ] && losetup -d "$dev" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A fully allocated image, so no run pays for block allocation.
dd if=/dev/zero of="$work/img" bs=16M count=$((size_mb / 16)) status=none || exit 1
sync
dev=$(losetup -f --show --direct-io="$dio" "$work/img" 2>/dev/null) ||
	dev=$(losetup -f --show "$work/img") || exit 1

now() { date +%s.%N; }
# secs CMD...: run, print the elapsed seconds
secs() {
	t0=$(now)
	"$@" >/dev/null 2>&1 || { echo "bench/wipe.sh: '$*' failed" >&2; echo 0; return 1; }
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}
rate() { echo "$1" | awk -v mb="$size_mb" '{ if ($1 > 0) printf "%.0f MiB/s", mb / $1; else print "-" }'; }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }'; }

echo "bench/wipe.sh: $size_mb MiB loop device $dev (direct-io=$dio), $(nproc) CPUs"
# conv=fsync: every wiper here flushes at the end; dd must too to be fair.
t_dd=$(secs dd if=/dev/zero of="$dev" bs=16M count=$((size_mb / 16)) oflag=direct conv=fsync)
t_rand=$(secs tim-wipe -q -y -m random --verify off "$dev")
# The peer for random data: AES-256-CTR from openssl into dd, as sysadmins
# wipe fast by hand. Storage that detects zeros (thin or deduplicating
# virtual disks) writes dd's zeros faster than any incompressible data, so
# this pair says how fast tim-wipe's keystream pass is, dd zeros how close it
# comes to the device's best case.
t_ossl=
if command -v openssl >/dev/null 2>&1; then
	k=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	v=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	t_ossl=$(secs sh -c "openssl enc -aes-256-ctr -nosalt -K $k -iv $v < /dev/zero 2>/dev/null |
	    dd of='$dev' bs=16M count=$((size_mb / 16)) iflag=fullblock oflag=direct conv=fsync status=none")
fi
t_shred=$(secs shred -n1 "$dev")
t_clear=$(secs tim-wipe -q -y -m clear "$dev")
t_zero=$(secs tim-wipe -q -y -m zero --verify off "$dev")
t_check=$(secs tim-wipe -q --check -m zero "$dev")
t_read=$(secs dd if="$dev" of=/dev/null bs=16M iflag=direct)
t_verify=$(echo "$t_clear $t_rand" | awk '{ v = $1 - $2; printf "%.3f", (v > 0 ? v : 0.001) }')
# nwipe can be very slow here: it gets BENCH_NWIPE_TIMEOUT seconds, and a
# run cut short gives a lower bound for the ratio.
t_nwipe=
nw_cut=
if command -v nwipe >/dev/null 2>&1; then
	limit=${BENCH_NWIPE_TIMEOUT:-60}
	t0=$(now)
	timeout "$limit" nwipe --autonuke --nogui --nowait --noblank --verify=off \
	    --method=random --prng=isaac64 "$dev" >/dev/null 2>&1
	[ $? -eq 124 ] && nw_cut=">="
	t_nwipe=$(echo "$t0 $(now)" | awk '{ printf "%.3f", $2 - $1 }')
fi

printf '%-44s %8s s  %s\n' "dd if=/dev/zero bs=16M oflag=direct,fsync" "$t_dd" "$(rate "$t_dd")"
printf '%-44s %8s s  %s\n' "tim-wipe -m random --verify off" "$t_rand" "$(rate "$t_rand")"
[ -n "$t_ossl" ] && printf '%-44s %8s s  %s\n' "openssl enc -aes-256-ctr | dd oflag=direct" "$t_ossl" "$(rate "$t_ossl")"
printf '%-44s %8s s  %s\n' "shred -n1" "$t_shred" "$(rate "$t_shred")"
[ -n "$t_nwipe" ] && printf '%-44s %8s s  %s\n' "nwipe --method=random --prng=isaac64" "$nw_cut$t_nwipe" "$(rate "$t_nwipe")"
printf '%-44s %8s s  %s\n' "tim-wipe -m clear (write + read back)" "$t_clear" "$(rate "$t_clear")"
printf '%-44s %8s s  %s\n' "  of which the keystream read-back" "$t_verify" "$(rate "$t_verify")"
printf '%-44s %8s s  %s\n' "tim-wipe -m zero --verify off" "$t_zero" "$(rate "$t_zero")"
printf '%-44s %8s s  %s\n' "tim-wipe --check -m zero (read back)" "$t_check" "$(rate "$t_check")"
printf '%-44s %8s s  %s\n' "dd of=/dev/null iflag=direct (read)" "$t_read" "$(rate "$t_read")"
echo "ratios (higher is better for tim-wipe):"
echo "  random pass vs dd zeros:        $(ratio "$t_dd" "$t_rand")x  (goal >= 0.95)"
[ -n "$t_ossl" ] && echo "  random pass vs openssl | dd:    $(ratio "$t_ossl" "$t_rand")x  (goal >= 1: the same cipher, written the same way)"
echo "  random pass vs shred -n1:       $(ratio "$t_shred" "$t_rand")x  (goal >= 3)"
[ -n "$t_nwipe" ] && echo "  random pass vs nwipe:           $nw_cut$(ratio "$t_nwipe" "$t_rand")x"
echo "  keystream read-back vs write:   $(ratio "$t_rand" "$t_verify")x  (goal ~1)"
echo "  keystream read-back vs dd read: $(ratio "$t_read" "$t_verify")x  (the device's read speed)"
echo "  zero read-back vs dd read:      $(ratio "$t_read" "$t_check")x"

# Many small files: per-file costs (open, the write-lease check for other
# openers, rename, unlink) against shred -u, which renames and unlinks too.
nfiles=${BENCH_FILES:-2000}
mkfiles() {
	mkdir -p "$1"
	i=0
	while [ $i -lt "$nfiles" ]; do
		head -c 4096 /dev/urandom > "$1/f$i"
		i=$((i + 1))
	done
	sync
}
mkfiles "$work/t1"
t_tfiles=$(secs tim-wipe -q -r -m random --verify off "$work/t1")
mkfiles "$work/t2"
t_sfiles=$(secs find "$work/t2" -type f -exec shred -u -n1 {} +)
printf '%-44s %8s s\n' "tim-wipe -r -m random --verify off ($nfiles x 4 KiB)" "$t_tfiles"
printf '%-44s %8s s\n' "find -exec shred -u -n1 ($nfiles x 4 KiB)" "$t_sfiles"
echo "  $nfiles small files vs shred -u:  $(ratio "$t_sfiles" "$t_tfiles")x"
