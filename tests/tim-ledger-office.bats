#!/usr/bin/env bats
# The registers as an office runs them (issue 14): who and when, approvals,
# returns, what is still out, Excel in and out, staff entry, receipts.

load test_helper
bats_require_minimum_version 1.5.0

py() {	# script, args...
	local script=$1
	shift
	python3 -c "import json, sys
$script" "$@"
}

# --- fields on the command line ---------------------------------------------

@test "append: a field given twice is a usage error naming it; nothing is written" {
	tim-ledger init -q reg.tim
	cp reg.tim before
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b item=c
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "tim-ledger: the field 'item' is given twice; give each field once"
	cmp reg.tim before
}

@test "list --kind: an unknown kind is a usage error listing the kinds" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=a to=b
	run --separate-stderr tim-ledger list --kind takout reg.tim
	assert_failure 2
	assert_output ""
	[[ $stderr == "tim-ledger: unknown record kind 'takout'; the kinds are: mark, copy, takeout, return, "*", repair"* ]]
	run -0 tim-ledger list --kind takeout reg.tim
	assert_equal "${#lines[@]}" 1
}

@test "at= is when it happened: local time or Excel's form, kept as UTC; a bad or future at= is refused" {
	tim-ledger init -q reg.tim
	TZ=Asia/Tokyo tim-ledger append reg.tim takeout item=a to=b at="2026/11/15 9:05"
	TZ=Asia/Tokyo tim-ledger append reg.tim takeout item=a to=b at=2026-11-16
	run -0 tim-ledger list --json reg.tim
	assert_line --index 0 --partial '"at":"2026-11-15T00:05:00Z"'
	assert_line --index 1 --partial '"at":"2026-11-15T15:00:00Z"'
	run -2 tim-ledger append reg.tim takeout item=a to=b at=yesterday
	[[ $output == *"at='yesterday' is not a date or time"* ]]
	run -2 tim-ledger append reg.tim takeout item=a to=b at=2999-01-01
	[[ $output == *"at='2999-01-01' is in the future"* ]]
	run -2 tim-ledger append reg.tim takeout item=a to=b until=soon
	[[ $output == *"until='soon' is not a date or time"* ]]
	# --since/--until select on when it happened, in local days
	TZ=Asia/Tokyo run -0 tim-ledger list --since 2026-11-16 --until 2026-11-16 reg.tim
	assert_equal "${#lines[@]}" 1
	[[ $output == "     2  "* ]]
}

@test "by= names the person responsible; actor is the real user from the process, not from USER" {
	tim-ledger init -q reg.tim
	USER=mallory LOGNAME=mallory tim-ledger append reg.tim takeout item=a to=b by=山田
	run -0 tim-ledger list --json reg.tim
	assert_output --partial "\"actor\":\"$(id -un)\""
	assert_output --partial '"by":"山田"'
	refute_output --partial mallory
}

# --- links and per-kind rules ---------------------------------------------

@test "ref=: return answers a takeout or lend, approve answers a request; bad links are refused" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=図面A to=取引先A
	tim-ledger append reg.tim note text=x
	run -0 tim-ledger append reg.tim approve ref=1 action=takeout item=図面A by=部長
	run -0 tim-ledger append reg.tim return ref=1 item=図面A
	cp reg.tim before
	run -2 tim-ledger append reg.tim return ref=2 item=図面A
	[[ $output == *"a return answers a takeout or lend, but ref=2 is a 'note' record"* ]]
	run -2 tim-ledger append reg.tim approve ref=1 action=copy item=図面A
	[[ $output == *"approve action=copy, but ref=1 is a 'takeout' record"* ]]
	run -2 tim-ledger append reg.tim return ref=9 item=x
	[[ $output == *"ref=9 does not name an earlier record (this one gets seq 5)"* ]]
	run -2 tim-ledger append reg.tim return ref=x1 item=x
	[[ $output == *"ref must be the seq of an earlier record, not 'x1'"* ]]
	cmp reg.tim before
	# in a batch, a ref may name an earlier record of the same batch
	printf '%s\n' '{"kind":"lend","item":"鍵1","to":"佐藤"}' '{"kind":"return","item":"鍵1","ref":"5"}' |
		tim-ledger append --json reg.tim
	run -2 tim-ledger append --json reg.tim <<<'{"kind":"return","item":"鍵1","ref":"7"}'
	[[ $output == *"ref=7 does not name an earlier record"* ]]
	tim-ledger verify -q reg.tim
}

@test "[kind takeout] require-approval: pending records and warns; refuse needs ref= to an approval" {
	tim-ledger init -q reg.tim
	printf '[kind takeout]\nrequire = by, purpose, until\nrequire-approval = yes\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b by=山田 purpose=試作
	assert_failure 2
	[[ $stderr == *"a 'takeout' record needs the field 'until' (required by [kind takeout] in tim.conf)"* ]]
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b by=山田 purpose=試作 until=2026-12-10
	assert_success
	assert_equal "$stderr" "tim-ledger: seq 1 is pending approval: record 'approve ref=1 action=takeout' when it is approved"
	printf '[kind takeout]\nrequire-approval = yes\nunapproved = refuse\n' > "$TIM_CONFIG"
	cp reg.tim before
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b
	assert_failure 1
	[[ $stderr == *"a 'takeout' record needs approval first ([kind takeout] unapproved = refuse)"* ]]
	run -1 tim-ledger append reg.tim takeout item=a to=b ref=1
	[[ $output == *"ref=1 is not an 'approve action=takeout' record"* ]]
	cmp reg.tim before
	tim-ledger append reg.tim approve item=a action=takeout by=部長
	run -0 tim-ledger append reg.tim takeout item=a to=b ref=2
}

# --- outstanding ------------------------------------------------------------

mk_office() {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=図面A to=取引先A by=山田 until=2020-11-20   # 1 overdue
	tim-ledger append reg.tim approve ref=1 action=takeout item=図面A by=部長        # 2
	tim-ledger append reg.tim takeout item=図面B to=取引先B by=佐藤 until=2099-01-01   # 3 out
	tim-ledger append reg.tim lend item=鍵3 to=田中 until=2019-01-01                 # 4 overdue
	tim-ledger append reg.tim lend item=鍵4 to=田中                                  # 5 returned
	tim-ledger append reg.tim return item=鍵4                                        # 6
	tim-ledger append reg.tim takeout item=図面C to=取引先C until="$(date +%F)"        # 7 due today
	tim-ledger append reg.tim return ref=7 item=図面C                                # 8
	tim-ledger append reg.tim takeout item=図面D to=取引先D until="$(date +%F)"        # 9 due today
}

@test "outstanding: what is out and not returned, overdue first; exit 1 when something is overdue" {
	mk_office
	run --separate-stderr tim-ledger outstanding reg.tim
	assert_failure 1
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 "OVERDUE          reg.tim seq 4      lend     鍵3  to 田中  until 2019-01-01  ($(( ($(date +%s) - $(date -d '2019-01-01 23:59:59' +%s)) / 86400 + 1 )) days overdue)"
	assert_line --index 1 --regexp '^OVERDUE +reg.tim seq 1 +takeout +図面A  to 取引先A  by 山田  until 2020-11-20  \([0-9]+ days overdue\)$'
	assert_line --index 2 --regexp '^out +reg.tim seq 9 '
	assert_line --index 3 --regexp '^out +reg.tim seq 3 +takeout +図面B'
	assert_line --index 4 "4 out, 2 overdue, 0 pending approval"
	assert_equal "$stderr" ""
	# nothing overdue: exit 0
	tim-ledger append reg.tim return ref=1 item=図面A
	tim-ledger append reg.tim return ref=4 item=鍵3
	run -0 tim-ledger outstanding reg.tim
	assert_line --index 2 "2 out, 0 overdue, 0 pending approval"
}

@test "outstanding --json and --csv; pending approval under require-approval; a broken chain is loud" {
	mk_office
	printf '[kind takeout]\nrequire-approval = yes\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger outstanding --json reg.tim
	assert_failure 1
	py '
rs = [json.loads(l) for l in sys.argv[1].split("\n")]
assert [(r["seq"], r["status"]) for r in rs] == [(4, "overdue"), (1, "overdue"), (9, "pending-approval"), (3, "pending-approval")], rs
assert rs[1]["pending_approval"] is False and rs[1]["by"] == "山田" and rs[1]["days_overdue"] > 0
' "$output"
	TZ=Asia/Tokyo tim-ledger outstanding --csv reg.tim > out.csv || true
	py '
import csv, io
data = open("out.csv", "rb").read()
assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n") == 5
rows = list(csv.reader(io.StringIO(data[3:].decode(), newline="")))
assert rows[0][:5] == ["status", "ledger", "seq", "kind", "item"], rows[0]
assert rows[1][2] == "4" and rows[1][4] == "鍵3" and rows[1][-1].endswith("+09:00"), rows[1]
'
	sed -i '3s/部長/課長/' reg.tim
	run --separate-stderr tim-ledger outstanding reg.tim
	assert_failure 1
	[[ $stderr == *"reg.tim: the ledger does not verify: line 3 no longer matches the hash that line 4 keeps of it"* ]]
	run -3 tim-ledger outstanding none.tim
}

# --- import -----------------------------------------------------------------

@test "import: an Excel-saved CP932 CSV (CRLF, line break in a cell) with its own dates, in one batch" {
	tim-ledger init -q reg.tim
	TZ=Asia/Tokyo run --separate-stderr tim-ledger import reg.tim "$TIM_SRC/tests/fixtures/ledger-register-cp932.csv"
	assert_success
	assert_output "reg.tim: imported 3 records from '$TIM_SRC/tests/fixtures/ledger-register-cp932.csv' as seq 1 to 3"
	run -0 tim-ledger list --json reg.tim
	py '
rs = [json.loads(l) for l in sys.argv[1].split("\n")]
assert [r["kind"] for r in rs] == ["takeout", "return", "lend"], rs
a, b, c = rs
assert a["at"] == "2026-10-01T00:30:00Z" and a["item"] == "【社外秘】図面A.pdf" and a["to"] == "取引先A", a
assert a["by"] == "山田" and a["purpose"] == "試作依頼" and a["until"] == "2026-10-15" and a["imported_line"] == "2", a
assert "to" not in b and b["text"] == "返却時に確認,問題なし" and b["at"] == "2026-10-13T15:00:00Z", b
assert c["text"] == "複数行\nの備考 ～ ① \"引用\"" and c["item"] == "金庫の鍵２" and c["until"] == "2026-10-21", c
' "$output"
	tim-ledger verify -q reg.tim
	# the return without ref= closes the take-out of the same item; the key is still out
	run -1 tim-ledger outstanding reg.tim
	assert_line --index 0 --regexp '^OVERDUE +reg.tim seq 3 +lend +金庫の鍵２'
	assert_equal "${#lines[@]}" 2
}

@test "import: Excel's CSV UTF-8 (BOM) gives the same records; tim's own CSV headings are read back" {
	tim-ledger init -q a.tim
	tim-ledger init -q b.tim
	TZ=Asia/Tokyo tim-ledger import -q a.tim "$TIM_SRC/tests/fixtures/ledger-register-cp932.csv"
	TZ=Asia/Tokyo tim-ledger import -q b.tim "$TIM_SRC/tests/fixtures/ledger-register-utf8bom.csv"
	diff <(tim-ledger list --json a.tim | sed 's/"time":"[^"]*",//; s/"prev":"[^"]*"//') \
	     <(tim-ledger list --json b.tim | sed 's/"time":"[^"]*",//; s/"prev":"[^"]*"//')
	# list --csv of one ledger imports into another: the same fields, "recorded at" as at=
	tim-ledger list --csv a.tim > a.csv
	tim-ledger init -q c.tim
	run -0 tim-ledger import c.tim a.csv
	run -0 tim-ledger list --json --kind lend c.tim
	assert_output --partial '"item":"金庫の鍵２","to":"佐藤","by":"総務課長","until":"2026-10-21"'
}

@test "import: all or nothing; a bad row names its line; a bad heading, encoding or kind is refused" {
	tim-ledger init -q reg.tim
	cp reg.tim before
	printf 'kind,item,to\r\ntakeout,a,b\r\ntakeout,c,\r\n' > bad.csv
	run --separate-stderr tim-ledger import reg.tim bad.csv
	assert_failure 2
	assert_equal "$stderr" "tim-ledger: bad.csv line 3: a 'takeout' record needs the field 'to'
Try 'tim-ledger --help'.
tim-ledger: nothing was imported"
	cmp reg.tim before
	printf 'item,宛先,金額\r\na,b,1\r\n' > head.csv
	run -2 tim-ledger import --kind takeout reg.tim head.csv
	[[ $output == *"head.csv: column 3 '金額' is not a field name"* ]]
	printf 'item,to\r\na,b\r\n' > nokind.csv
	run -2 tim-ledger import reg.tim nokind.csv
	[[ $output == *"nokind.csv has no 'kind' column: give --kind KIND"* ]]
	run -2 tim-ledger import --kind takout reg.tim nokind.csv
	[[ $output == *"unknown record kind 'takout'"* ]]
	printf 'item,to\r\n"a,b\r\n' > open.csv
	run -1 tim-ledger import --kind takeout reg.tim open.csv
	[[ $output == *"open.csv line 2: a quoted cell is not closed"* ]]
	run -1 tim-ledger import --kind takeout --encoding UTF-8 reg.tim "$TIM_SRC/tests/fixtures/ledger-register-cp932.csv"
	[[ $output == *"the file is not valid UTF-8"* ]]
	run -2 tim-ledger import --kind takeout --encoding KOI9 reg.tim nokind.csv
	[[ $output == *"unknown encoding 'KOI9'"* ]]
	cmp reg.tim before
	run -0 tim-ledger import --kind takeout reg.tim nokind.csv
}

# --- cron -------------------------------------------------------------------

# cron runs a job with PATH=/usr/bin:/bin and nearly nothing else.
cron_env() {
	env -i PATH=/usr/bin:/bin HOME=/root SHELL=/bin/sh LOGNAME=root "$@"
}

@test "nightly example under cron's bare environment: works with TIM_BINDIR, says so when tim-ledger is missing" {
	bin=$TIM_BUILD/bin
	"$bin/tim-ledger" keygen -q --name nightly -o k >/dev/null
	mkdir copies
	"$bin/tim-ledger" init -q a.tim
	"$bin/tim-ledger" append a.tim note text=one
	set -- TIM_CONFIG=/dev/null TIM_LEDGERS="$PWD/a.tim" TIM_LEDGER_KEY_FILE=$PWD/k TIM_CHECKPOINT_COPY=$PWD/copies
	# as installed before: tim-ledger not on cron's PATH; a clear message, never a tamper alarm
	run cron_env "$@" sh "$TIM_SRC/examples/cron/tim-ledger-nightly"
	assert_failure 3
	assert_output "tim-ledger-nightly: tim-ledger is not installed in PATH (/usr/bin:/bin:/usr/local/sbin:/usr/local/bin); set TIM_BINDIR in /etc/default/tim-ledger-nightly"
	[ ! -e a.tim.checkpoints ]
	# with the directory it was installed to: verified, signed, copied, silent
	run cron_env "$@" TIM_BINDIR="$bin" sh "$TIM_SRC/examples/cron/tim-ledger-nightly"
	assert_success
	assert_output ""
	assert_equal "$(ls copies | wc -l)" 1
	"$bin/tim-ledger" verify -q --key k.pub a.tim
	# an overdue take-out is mailed (printed) and fails the run, but the ledger is still signed
	"$bin/tim-ledger" append a.tim takeout item=図面A to=取引先A until=2020-01-01
	sleep 1
	run cron_env "$@" TIM_BINDIR="$bin" sh "$TIM_SRC/examples/cron/tim-ledger-nightly"
	assert_failure 1
	assert_output --regexp "^OVERDUE +$PWD/a.tim seq 2 +takeout +図面A  to 取引先A  until 2020-01-01"
	assert_equal "$(ls copies | wc -l)" 2
	# the crontab sets a PATH that holds /usr/local/bin
	grep -q '^PATH=.*/usr/local/bin' "$TIM_SRC/examples/cron/crontab"
}

# --- staff entry and append-only -------------------------------------------

# What a test made outside its own directory (users, mounts) goes, pass or fail.
teardown() {
	local m
	for m in ${CLEAN_MNT:-}; do
		[ "${m##*/}" = proc ] || chattr -a "$m"/* 2>/dev/null || true
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	[ -z "${CLEAN_USER:-}" ] || userdel "$CLEAN_USER" 2>/dev/null || true
	[ -z "${CLEAN_GROUP:-}" ] || groupdel "$CLEAN_GROUP" 2>/dev/null || true
	[ -z "${CLEAN_DIR:-}" ] || rm -rf "$CLEAN_DIR"
}

# A root directory others may enter, holding tim-ledger and the libraries it
# loads, with the users in its /etc: on machines whose / is closed to all
# but root, a non-root process can run only inside such a tree.
mk_jail() {
	local j=$1 lib
	mkdir -p "$j/etc" "$j/bin"
	cp "$TIM_BUILD/bin/tim-ledger" "$j/bin/"
	for lib in $(ldd "$TIM_BUILD/bin/tim-ledger" | grep -o '/[^ ]*'); do
		mkdir -p "$j$(dirname "$lib")"
		cp -L "$lib" "$j$lib"
	done
	getent passwd root nobody "$CLEAN_USER" > "$j/etc/passwd"
	getent group root nogroup "$CLEAN_GROUP" > "$j/etc/group"
	chmod -R go+rX "$j"
	# a sanitizer build reads /proc/self/maps
	mkdir -p "$j/proc"
	mount -t proc proc "$j/proc"
	CLEAN_MNT="${CLEAN_MNT:-} $j/proc"
}

@test "init --group: a member of the group who is not root appends as themselves" {
	need_root
	command -v useradd >/dev/null && command -v chroot >/dev/null || skip "useradd or chroot is not installed"
	u=timstaff$$ g=timreg$$
	groupadd "$g"
	CLEAN_GROUP=$g
	useradd -M -N -g nogroup -G "$g" -s /bin/sh "$u"
	CLEAN_USER=$u
	d=$(mktemp -d /tmp/tim-staff.XXXXXX)
	CLEAN_DIR=$d
	chmod 0755 "$d"
	mk_jail "$d"
	run -0 tim-ledger init --group "$g" "$d/reg.tim"
	assert_line --index 1 "members of group '$g' may append to it (mode 0660)"
	assert_equal "$(stat -c '%a %G' "$d/reg.tim")" "660 $g"
	# the member's own process: their uid, their groups, nothing of root's
	as() { TIM_CONFIG=/dev/null chroot --userspec="$1:nogroup" --groups="$2" "$d" /bin/tim-ledger "${@:3}"; }
	run -0 as "$u" "$g" append /reg.tim takeout item=図面A to=取引先A by=山田
	assert_output ""
	run -0 as "$u" "$g" verify /reg.tim
	rec=$(tail -n 1 "$d/reg.tim")
	[[ $rec == *"\"actor\":\"$u\""* ]]
	[[ $rec == *'"by":"山田"'* ]]
	# someone outside the group cannot
	run -3 as nobody nogroup append /reg.tim note text=x
	[[ $output == *"Permission denied"* ]]
	tim-ledger verify -q "$d/reg.tim"
	run -2 tim-ledger init --group no-such-group$$ x.tim
	[[ $output == *"no group 'no-such-group$$'"* ]]
	[ ! -e x.tim ]
}

@test "init --append-only: chattr +a on ext4; root cannot rewrite a line; verify says so; appends go on" {
	need_root
	command -v mkfs.ext4 >/dev/null && command -v lsattr >/dev/null || skip "e2fsprogs is not installed"
	truncate -s 8M fs.img
	mkfs.ext4 -q -F fs.img
	mkdir mnt
	mount -o loop fs.img mnt 2>/dev/null || skip "cannot loop-mount an ext4 image here (no loop devices in this container)"
	CLEAN_MNT=$PWD/mnt
	run -0 tim-ledger init --append-only mnt/reg.tim
	assert_line --index 1 "append-only (chattr +a): no line can be rewritten, not even by root, until the attribute is removed"
	[[ $(lsattr mnt/reg.tim) == *a*" mnt/reg.tim" ]]
	tim-ledger append mnt/reg.tim note text=one
	tim-ledger append mnt/reg.tim note text=two
	before=$(sha256sum < mnt/reg.tim)
	run sed -i 's/one/ONE/' mnt/reg.tim
	assert_failure
	run sh -c ': > mnt/reg.tim'
	assert_failure
	run truncate -s 10 mnt/reg.tim
	assert_failure
	assert_equal "$(sha256sum < mnt/reg.tim)" "$before"
	run -0 tim-ledger verify mnt/reg.tim
	[[ $output == "mnt/reg.tim: ok: 2 records, root "*", append-only (chattr +a)" ]]
	run -0 tim-ledger verify --json mnt/reg.tim
	assert_output --partial '"append_only":true'
	# a torn tail cannot be cut from it: repair says why and what to do
	printf '{"seq":3,"ti' >> mnt/reg.tim
	run -3 tim-ledger repair mnt/reg.tim
	[[ $output == *"append-only"*"chattr -a"* ]]
}

# --- full disks and huge input (issue 18) -----------------------------------

# A 1 MiB tmpfs holding a ledger, then filled to the last byte.
mk_full() {
	need_root
	mkdir t
	mount -t tmpfs -o size=1m tmpfs t || skip "cannot mount a tmpfs here"
	CLEAN_MNT=$PWD/t
	tim-ledger init -q t/reg.tim
	tim-ledger append t/reg.tim note text=one
	tim-ledger append t/reg.tim note text=two
}

fill() {
	dd if=/dev/zero of=t/fill bs=4k 2>/dev/null || true
	dd if=/dev/zero of=t/fill2 bs=1 2>/dev/null || true
}

@test "ENOSPC: a failed append is cut back; nothing is reported as appended; the ledger stays intact" {
	mk_full
	# leave less room than one record: the write fails part way
	fill
	cp t/reg.tim before
	run --separate-stderr tim-ledger append -v t/reg.tim note text="$(head -c 9000 /dev/zero | tr '\0' x)"
	assert_failure 3
	assert_equal "$stderr" "tim-ledger: cannot append to ledger 't/reg.tim'; nothing was appended: No space left on device"
	cmp t/reg.tim before
	tim-ledger verify -q t/reg.tim
	# a --json batch of 3000 records: all or nothing
	rm t/fill t/fill2
	dd if=/dev/zero of=t/fill bs=1k count=$(( $(df -k --output=avail t | tail -1) - 200 )) 2>/dev/null
	cp t/reg.tim before
	run --separate-stderr tim-ledger append --json t/reg.tim < <(yes '{"kind":"note","text":"batch"}' | head -n 3000)
	assert_failure 3
	[[ $stderr == *"nothing was appended: No space left on device"* ]]
	[[ $stderr != *"appended seq"* ]]
	cmp t/reg.tim before
	# once there is room, the same batch goes in whole
	rm t/fill
	run -0 tim-ledger append --json t/reg.tim < <(yes '{"kind":"note","text":"batch"}' | head -n 3000)
	tim-ledger verify -q t/reg.tim
	assert_equal "$(wc -l < t/reg.tim)" 3003
}

@test "ENOSPC: repair works on a full disk and records what it could not keep" {
	mk_full
	printf '{"seq":3,"time":"2026-12-01T00:00:00Z","kind":"note","text":"%s' "$(printf 'y%.0s' $(seq 900))" >> t/reg.tim
	fill
	run -0 tim-ledger repair t/reg.tim
	assert_output "t/reg.tim: cut a torn line of 961 bytes; no room on the disk to keep it, so only its size and SHA-256 are recorded, as seq 3"
	[ ! -e t/reg.tim.torn ]
	run -0 tim-ledger list --json t/reg.tim
	assert_line --index 2 --partial '"kind":"repair","actor"'
	assert_line --index 2 --partial '"torn_bytes":961,'
	assert_line --index 2 --partial '"not_saved":"No space left on device"'
	tim-ledger verify -q t/reg.tim
}

@test "repair: a torn tail over 16 MiB is set aside whole; a --json line over the limit is refused where it passes it" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim note text=one
	head -c 20M /dev/zero | tr '\0' z >> reg.tim
	run -1 tim-ledger verify -q reg.tim
	run -0 tim-ledger repair reg.tim
	assert_output "reg.tim: moved a torn line of 20971520 bytes to reg.tim.torn; recorded as seq 2"
	assert_equal "$(stat -c %s reg.tim.torn)" 20971521
	assert_equal "$(head -c 20M reg.tim.torn | sha256sum | cut -d' ' -f1)" \
		"$(tail -n 1 reg.tim | sed 's/.*"torn_sha256":"\([0-9a-f]*\)".*/\1/')"
	tim-ledger verify -q reg.tim
	# 1 GiB on one line: refused after the limit, without reading the rest
	cp reg.tim before
	set +e
	{ printf '{"kind":"note","text":"'; head -c 1G /dev/zero | tr '\0' a; } | tim-ledger append --json reg.tim 2> err
	st=("${PIPESTATUS[@]}")
	set -e
	assert_equal "${st[1]}" 2
	assert_equal "$(cat err)" "tim-ledger: stdin line 1: longer than 1048576 bytes; nothing of its batch was written
Try 'tim-ledger --help'."
	cmp reg.tim before
}

# --- receipts ---------------------------------------------------------------

@test "receipt: one self-contained file for an auditor; verify-receipt checks it offline; openssl checks it without tim" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim erase item=/dev/sdb method=clear serial=S3Z9NB0K
	tim-ledger append reg.tim send item=【社外秘】図面A.pdf to=取引先A
	tim-ledger keygen -q --name 総務-tim -o k >/dev/null
	run -1 tim-ledger receipt 1 reg.tim
	[[ $output == *"no signed checkpoint in 'reg.tim.checkpoints': sign one with 'tim-ledger checkpoint' first"* ]]
	tim-ledger checkpoint -q -k k reg.tim
	tim-ledger append reg.tim note text=later
	run -1 tim-ledger receipt 3 reg.tim
	[[ $output == *"record 3 is newer than the newest checkpoint (of 3 lines)"* ]]
	run -0 tim-ledger receipt -o erase.receipt 1 reg.tim
	assert_output "wrote the receipt of seq 1 to 'erase.receipt'"
	tim-ledger receipt 2 reg.tim > send.receipt
	# the auditor has the receipts and the verifier key, not the ledger
	mkdir auditor
	mv erase.receipt send.receipt auditor/
	cp k.pub auditor/
	cd auditor
	run -0 tim-ledger verify-receipt --key k.pub erase.receipt send.receipt
	assert_line --index 0 "erase.receipt: ok: record 1 (erase) is in ledger '$(hostname)/reg.tim', in the tree of 3 lines that '総務-tim' signed"
	assert_line --index 1 --partial "send.receipt: ok: record 2 (send)"
	run -2 tim-ledger verify-receipt erase.receipt
	# what tim-ledger(5) says, done with python and openssl alone
	python3 - <<'PY'
import base64, hashlib, json, subprocess
r = json.load(open("erase.receipt"))
H = lambda b: hashlib.sha256(b).digest()
leaf = H(b"\x00" + r["record"].encode())
fn, sn, node = r["seq"], r["tree_size"] - 1, leaf
for p in map(base64.b64decode, r["inclusion"]):
    if fn & 1 or fn == sn:
        node = H(b"\x01" + p + node)
        if not fn & 1:
            while fn and not fn & 1:
                fn >>= 1; sn >>= 1
    else:
        node = H(b"\x01" + node + p)
    fn >>= 1; sn >>= 1
assert sn == 0 and node == base64.b64decode(r["root"])
text, sigs = r["checkpoint"].split("\n\n", 1)
text += "\n"
origin, size, root = text.split("\n")[:3]
assert origin == r["origin"] and int(size) == r["tree_size"] and root == r["root"]
name, keyid_hex, key_b64 = open("k.pub").read().strip().split("+", 2)
pub = base64.b64decode(key_b64)[1:]
sig = base64.b64decode(sigs.split("\n")[0].split(" ")[2])
assert sig[:4].hex() == keyid_hex
open("msg", "wb").write(text.encode())
open("sig", "wb").write(sig[4:])
open("pub.der", "wb").write(bytes.fromhex("302a300506032b6570032100") + pub)
PY
	run -0 openssl pkeyutl -verify -pubin -keyform DER -inkey pub.der -rawin -in msg -sigfile sig
	assert_output --partial "Signature Verified Successfully"
	# a changed record, another key, or a receipt for another tree fail with 1
	sed 's/method\\":\\"clear/method\\":\\"purge/' erase.receipt > forged.receipt
	run -1 tim-ledger verify-receipt --key k.pub forged.receipt
	[[ $output == *"the record is not in the signed tree (inclusion proof fails)"* ]]
	tim-ledger keygen -q --name other -o o >/dev/null
	run -1 tim-ledger verify-receipt --key o.pub erase.receipt
	python3 -c 'import json; r = json.load(open("erase.receipt")); r["tree_size"] = 4; print(json.dumps(r))' > size.receipt
	run -1 tim-ledger verify-receipt --key k.pub size.receipt
	[[ $output == *"the checkpoint is not of the tree the proof is for"* ]]
	echo '{}' > empty.receipt
	run -1 tim-ledger verify-receipt --key k.pub empty.receipt
	run -3 tim-ledger verify-receipt --key k.pub none.receipt
}

# --- the CSV in a spreadsheet -----------------------------------------------

@test "list --csv in LibreOffice Calc: one column per field, Japanese headings, local times" {
	command -v soffice >/dev/null || skip "LibreOffice is not installed"
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "the ja_JP.UTF-8 locale is not installed"
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=図面A to=取引先A by=山田 purpose="試作, 見積" until=2026-12-10
	tim-ledger append reg.tim note text='=1+2'
	TZ=Asia/Tokyo LANG=ja_JP.UTF-8 tim-ledger list --csv reg.tim > reg.csv
	# Calc reads it as Excel does: comma, double quotes, UTF-8
	run -0 soffice --headless -env:UserInstallation=file://$PWD/lo --infilter=CSV:44,34,76 \
		--convert-to html --outdir out reg.csv
	py '
import html.parser
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = []; s.cell = None
    def handle_starttag(s, t, a):
        if t == "tr": s.rows.append([])
        if t == "td": s.cell = ""
    def handle_endtag(s, t):
        if t == "td": s.rows[-1].append(s.cell.strip()); s.cell = None
    def handle_data(s, d):
        if s.cell is not None: s.cell += d
p = P(); p.feed(open("out/reg.html").read())
head, a, b = p.rows
assert head == ["番号", "記録日時", "種別", "記録者(OS ユーザー)", "ホスト", "対象", "相手先", "責任者", "目的", "返却期限", "内容"], head
row = dict(zip(head, a))
assert row["対象"] == "図面A" and row["相手先"] == "取引先A" and row["目的"] == "試作, 見積", row
assert row["記録日時"].endswith("+09:00") and row["返却期限"] == "2026-12-10", row
assert dict(zip(head, b))["内容"] == "'\''=1+2", b
'
}
