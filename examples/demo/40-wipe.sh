# Sourced by examples/quickstart.sh (step and run come from there).
step "tim-wipe: erase with proof (告示 I 第四 5 (1), V 第三 5-8)"
run tim-wipe --list-methods
printf '設計図面 rev.7 — 社外秘\n%.0s' $(seq 1 2000) > 【社外秘】図面A.txt
mkdir -p 試作データ/回路
printf 'netlist\n' > 試作データ/回路/board.net
printf 'BOM\n' > 試作データ/部品表.csv
run tim-ledger init --origin example.co.jp/registers/情報システム部 erase.tim
run tim-wipe -n 【社外秘】図面A.txt
run tim-wipe --item DOC-0042 --operator 山田 --cert 図面A.json --html 図面A.html \
    --ledger erase.tim 【社外秘】図面A.txt
run tim-wipe -r -m zero --ledger erase.tim 試作データ
ls
run sha256sum 図面A.json
run tim-ledger list erase.tim
run tim-ledger verify erase.tim

step "a symbolic link is refused, not followed"
printf 'secret\n' > keep.txt
ln -s keep.txt link.txt
tim-wipe link.txt || echo "(exit status $?: nothing was touched)"

if [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ] &&
    truncate -s 16M disk.img && dev=$(losetup -f --show disk.img 2>/dev/null); then
	step "a retired disk (a loop device here): identity, plan, erase, certificate"
	# The device is detached whatever happens in between.
	{
		run tim-wipe --info "$dev" &&
		run tim-wipe -n "$dev" &&
		run tim-wipe -y --item HDD-0007 --cert disk.json --ledger erase.tim "$dev" &&
		{ tim-wipe --hardware -y "$dev" ||
		    echo "(exit status $?: a loop device has no sanitize command)"; }
	} || echo "(the device demo failed)"
	losetup -d "$dev"
else
	echo "(block device part skipped: needs root and loop devices)"
fi
