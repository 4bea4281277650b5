#!/usr/bin/env bats
# tim-mark and tim-check on the files a Japanese company really holds
# (issue 13): a shared folder built here with qpdf, iconv, pdftoppm and
# Python, marked, shown, listed, checked and removed byte for byte; what tim
# wrote is read back by clients nobody here wrote (exiftool, LibreOffice,
# Python's email package).
load test_helper

xattr_ok() {
	: > .xprobe
	if ! setfattr -n user.tim.probe -v 1 .xprobe 2>/dev/null; then
		rm -f .xprobe
		skip "this filesystem keeps no user extended attributes"
	fi
	rm -f .xprobe
}

pdf() { python3 "$BATS_TEST_DIRNAME/fixtures/pdf.py" "$@"; }

# A drawing as AutoCAD R12 writes it: CRLF, code page ANSI_932.
dxf() {
	python3 - "$1" <<'PY'
import sys
g = [(0, "SECTION"), (2, "HEADER"), (9, "$ACADVER"), (1, "AC1009"),
     (9, "$DWGCODEPAGE"), (3, "ANSI_932"), (0, "ENDSEC"),
     (0, "SECTION"), (2, "ENTITIES"),
     (0, "LINE"), (8, "0"), (10, "0.0"), (20, "0.0"), (30, "0.0"),
     (11, "100.0"), (21, "100.0"), (31, "0.0"),
     (0, "CIRCLE"), (8, "0"), (10, "50.0"), (20, "50.0"), (30, "0.0"), (40, "25.0"),
     (0, "TEXT"), (8, "0"), (10, "10.0"), (20, "80.0"), (30, "0.0"), (40, "8.0"),
     (1, "GEAR-01"), (0, "ENDSEC"), (0, "EOF")]
open(sys.argv[1], "wb").write("".join("%3d\r\n%s\r\n" % cv for cv in g).encode())
PY
}

# The shared folder of a small manufacturer, with a copy of every file.
fixture() {
	mkdir -p share/【社外秘】図面 share/営業 orig
	pdf classic p.pdf
	qpdf --encrypt user owner 256 -- p.pdf share/営業/見積書.pdf
	printf '品番,品名,数量\r\nA-1,歯車,10\r\n' | iconv -f UTF-8 -t CP932 > share/営業/受注.csv
	printf '設計メモ\n寸法は図面を参照\n' | iconv -f UTF-8 -t CP932 > share/memo_sjis.txt
	printf '設計メモ\r\n寸法は図面を参照\r\n' | iconv -f UTF-8 -t EUC-JP > share/memo_euc.txt
	dxf share/歯車.dxf
	dxf share/【社外秘】図面/部品.dxf
	printf 'ISO-10303-21;\r\nHEADER;\r\nFILE_DESCRIPTION((\x27\x27),\x272;1\x27);\r\nENDSEC;\r\nDATA;\r\nENDSEC;\r\nEND-ISO-10303-21;\r\n' > share/軸.stp
	pdftoppm -r 20 -singlefile -png p.pdf share/試作品
	pdftoppm -r 20 -singlefile -jpeg p.pdf share/試作品
	printf 'Return-Path: <a@example.jp>\r\nFrom: a@example.jp\r\nTo: b@example.jp\r\nSubject: =?UTF-8?B?6KaL56mN44Gu5Lu2?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbody\r\n' > share/営業/見積.eml
	printf 'S      1\n' > share/a.igs
	rm p.pdf
	for f in 営業/見積書.pdf 営業/受注.csv memo_sjis.txt memo_euc.txt 歯車.dxf 軸.stp 試作品.png 試作品.jpg 営業/見積.eml a.igs; do
		cp "share/$f" "orig/${f##*/}"
	done
}

@test "files: a shared folder is marked, shown, listed, checked and removed byte for byte" {
	xattr_ok
	fixture
	run tim-mark -l 秘 --owner 設計部 share/営業/見積書.pdf share/営業/受注.csv share/memo_sjis.txt \
	    share/memo_euc.txt share/歯車.dxf share/軸.stp share/試作品.png share/試作品.jpg \
	    share/営業/見積.eml share/a.igs
	assert_success
	assert_line "marked 'share/営業/【秘】見積書.pdf' 【秘】 owner=設計部 (name, xattr)"
	assert_line "tim-mark: content not marked ('share/営業/見積書.pdf' is encrypted: its content cannot be read or marked without the password); only its name and attributes carry the label"
	assert_line "marked 'share/営業/【秘】受注.csv' 【秘】 owner=設計部 (name, xattr)"
	assert_line "marked 'share/【秘】memo_sjis.txt' 【秘】 owner=設計部 (name, xattr, text)"
	assert_line "marked 'share/【秘】memo_euc.txt' 【秘】 owner=設計部 (name, xattr, text)"
	assert_line "marked 'share/【秘】歯車.dxf' 【秘】 owner=設計部 (name, xattr, text)"
	assert_line "marked 'share/【秘】軸.stp' 【秘】 owner=設計部 (name, xattr, text)"
	assert_line "marked 'share/【秘】試作品.png' 【秘】 owner=設計部 (name, xattr, png)"
	assert_line "marked 'share/【秘】試作品.jpg' 【秘】 owner=設計部 (name, xattr, jpeg)"
	assert_line "marked 'share/営業/【秘】見積.eml' 【秘】 owner=設計部 (name, xattr, eml)"
	assert_line "marked 'share/【秘】a.igs' 【秘】 owner=設計部 (name, xattr)"
	# the label inside, in each file's own encoding and syntax
	[ "$(head -n 1 share/【秘】memo_sjis.txt | iconv -f CP932 -t UTF-8)" = "【秘】 owner=設計部" ]
	[ "$(head -n 1 share/【秘】memo_euc.txt | iconv -f EUC-JP -t UTF-8)" = "$(printf '【秘】 owner=設計部\r')" ]
	[ "$(head -n 2 share/【秘】歯車.dxf | iconv -f CP932 -t UTF-8)" = "$(printf '999\r\n【秘】 owner=設計部\r')" ]
	[ "$(sed -n 2p share/【秘】軸.stp)" = "$(printf '/* 【秘】 owner=設計部 */\r')" ]
	cmp share/営業/【秘】受注.csv orig/受注.csv
	cmp share/営業/【秘】見積書.pdf orig/見積書.pdf
	cmp share/【秘】a.igs orig/a.igs
	# shown from every carrier it can read
	run tim-mark --show share/【秘】memo_sjis.txt share/【秘】試作品.jpg share/営業/【秘】見積.eml
	assert_success
	assert_output "$(printf '%s\n' 'share/【秘】memo_sjis.txt: 【秘】 owner=設計部 (name, xattr, text)' \
	    'share/【秘】試作品.jpg: 【秘】 owner=設計部 (name, xattr, jpeg)' \
	    'share/営業/【秘】見積.eml: 【秘】 owner=設計部 (name, xattr, eml)')"
	# listed, the folder name's file too
	run tim-mark --list --csv share
	assert_success
	[ "$(grep -c '"秘","設計部"' <<<"$output")" -eq 10 ]
	assert_output --partial '"share/【社外秘】図面/部品.dxf","社外秘","","","","","folder-name"'
	assert_output --partial '"share/営業/【秘】見積書.pdf","秘","設計部","","","","name,xattr"'
	# checked: nothing unmarked in the controlled folder
	printf '[zone "share"]\npath = share/\ncontrolled = yes\n' > .timcheck
	run tim-check --unmarked .
	assert_success
	assert_output ""
	run tim-mark --remove share/営業/【秘】見積書.pdf share/営業/【秘】受注.csv share/【秘】memo_sjis.txt \
	    share/【秘】memo_euc.txt share/【秘】歯車.dxf share/【秘】軸.stp share/【秘】試作品.png share/【秘】試作品.jpg \
	    share/営業/【秘】見積.eml share/【秘】a.igs
	assert_success
	for f in 営業/見積書.pdf 営業/受注.csv memo_sjis.txt memo_euc.txt 歯車.dxf 軸.stp 試作品.png 試作品.jpg 営業/見積.eml a.igs; do
		cmp "share/$f" "orig/${f##*/}"
		[ -z "$(getfattr -d -m user.tim "share/$f" 2>/dev/null)" ]
	done
}

@test "encrypted PDF: name and xattr, --show says what it cannot read, --list has it, tim-check and the xargs pipeline mark it" {
	xattr_ok
	mkdir zone
	pdf classic p.pdf
	qpdf --encrypt user owner 256 -- p.pdf zone/見積書.pdf
	cp zone/見積書.pdf orig.pdf
	printf '[zone "zone"]\npath = zone/\ncontrolled = yes\n' > .timcheck
	run --separate-stderr tim-check --unmarked -0 .
	assert_success
	[ "$output" = "$(printf 'zone/見積書.pdf')" ]
	tim-check --unmarked -0 . | xargs -0 tim-mark -l 秘 2>err
	grep -q "is encrypted: its content cannot be read or marked without the password" err
	cmp zone/【秘】見積書.pdf orig.pdf
	run --separate-stderr tim-mark --show zone/【秘】見積書.pdf
	assert_success
	assert_output "zone/【秘】見積書.pdf: 【秘】 (name, xattr)"
	[ "$stderr" = "tim-mark: content not read ('zone/【秘】見積書.pdf' is encrypted: its content cannot be read or marked without the password); shown from its name and attributes only" ]
	run tim-mark --show --json zone/【秘】見積書.pdf
	assert_output --partial '"unreadable":"'
	run tim-mark --list -0 zone
	assert_success
	[ "$output" = "zone/【秘】見積書.pdf" ]
	run tim-check --unmarked .
	assert_success
	assert_output ""
	run tim-check .
	assert_success
}

@test "folder names: 【社外秘】図面 labels what lies below; a folder is renamed only with --carriers folder-name" {
	mkdir -p '【社外秘】図面/sub' other 設計
	printf 'x\n' > '【社外秘】図面/sub/a.bin'
	printf 'y\n' > other/b.bin
	run tim-mark --show '【社外秘】図面/sub/a.bin'
	assert_success
	assert_output "【社外秘】図面/sub/a.bin: 【社外秘】 (inherited from '$PWD/【社外秘】図面')"
	run tim-mark --list '【社外秘】図面'
	assert_success
	assert_line --index 2 --partial "$(printf '【社外秘】図面/sub/a.bin\t社外秘\t-\t-\t-\t-\tfolder-name\t2\t')"
	printf '[zone "all"]\npath = **\ncontrolled = yes\n' > .timcheck
	run tim-check --unmarked .
	assert_success
	assert_output "other/b.bin"
	# a folder: its .timlabel by default, its name only when asked
	run tim-mark -l 秘 設計
	assert_success
	assert_output "marked '設計' 【秘】 (folder)"
	assert_file_exists 設計/.timlabel
	run tim-mark --carriers name -l 秘 other
	assert_failure 1
	assert_file_exists other/b.bin
	run tim-mark --carriers folder-name -l 秘 設計
	assert_success
	assert_output "marked '【秘】設計' 【秘】 (folder-name)"
	run tim-mark --show 【秘】設計
	assert_output "【秘】設計: 【秘】 (folder-name, folder)"
	run tim-mark --remove --carriers folder-name,folder 【秘】設計
	assert_success
	assert_dir_exists 設計
	assert_file_not_exists 設計/.timlabel
}

@test "text: CP932 and EUC-JP are told apart; bytes both could be are said so; a CSV keeps its header first" {
	# 0xe0-0xef lead bytes with 0xa1-0xfe trail bytes read in both
	printf '\xe3\xa1\xe4\xa2\n' > both.txt
	run tim-mark -v both.txt
	assert_success
	assert_output --partial "'both.txt': no label inside (Japanese text whose encoding cannot be told (Shift_JIS or EUC-JP)); only its name and attributes carry it"
	printf '品番,数量\r\n' | iconv -f UTF-8 -t CP932 > s.csv
	cp s.csv s.orig
	run tim-mark --carriers content s.csv
	assert_failure 1
	cmp s.csv s.orig
	# an owner CP932 cannot hold is refused, the file left as it was
	printf '設計\n' | iconv -f UTF-8 -t CP932 > m.txt
	cp m.txt m.orig
	run tim-mark --carriers content --owner '😀' m.txt
	assert_failure 3
	assert_output --partial "'m.txt' is Shift_JIS (CP932) text and its label cannot be written in it"
	cmp m.txt m.orig
}

@test "exiftool reads the label tim wrote into PNG and JPEG; XMP of the picture's own is left alone" {
	command -v exiftool >/dev/null || skip "exiftool is not installed"
	pdf classic p.pdf
	pdftoppm -r 20 -singlefile -png p.pdf a
	pdftoppm -r 20 -singlefile -jpeg p.pdf a
	cp a.jpg b.jpg
	exiftool -q -overwrite_original -XMP-dc:Title=試作 b.jpg
	cp b.jpg b.orig
	tim-mark --carriers content -l 極秘 --owner 設計部 --id TIM-7 a.png a.jpg
	run exiftool -s -XMP-tim:all -validate a.png a.jpg
	assert_success
	[ "$(grep -c '^Label *: 極秘$' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^Owner *: 設計部$' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^Id *: TIM-7$' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^Validate *: OK$' <<<"$output")" -eq 2 ]
	run tim-mark --carriers content b.jpg
	assert_failure 3
	assert_output --partial "'b.jpg' already holds XMP metadata of its own; tim does not write into it"
	cmp b.jpg b.orig
}

@test "LibreOffice opens the marked DXF and draws it as it drew the original" {
	command -v soffice >/dev/null || skip "LibreOffice (soffice) is not installed"
	dxf orig.dxf
	cp orig.dxf 歯車.dxf
	tim-mark --carriers content -l 秘 歯車.dxf
	cp 歯車.dxf marked.dxf
	HOME=$PWD timeout 120 soffice --headless -env:UserInstallation="file://$PWD/lo" \
	    --convert-to pdf --outdir out orig.dxf marked.dxf >/dev/null 2>&1
	[ "$(pdftotext out/marked.pdf - | tr -d '\f\n')" = "GEAR-01" ]
	pdftoppm -r 40 -gray out/orig.pdf o
	pdftoppm -r 40 -gray out/marked.pdf m
	cmp o-1.pgm m-1.pgm
}

@test "e-mail: Python's email package reads the subject prefix and the label field" {
	printf 'From: a@example.jp\r\nSubject: =?UTF-8?B?6KaL56mN44Gu5Lu2?=\r\n\r\nbody\r\n' > m.eml
	cp m.eml m.orig
	tim-mark --carriers content -l 秘 --owner 設計部 m.eml
	run python3 -c '
import email, email.policy, sys
m = email.message_from_binary_file(open("m.eml", "rb"), policy=email.policy.default)
print(m["Subject"]); print(m["X-TIM-Label"])'
	assert_success
	assert_output "$(printf '【秘】見積の件\n【秘】 owner=設計部')"
	tim-mark --carriers content --remove m.eml
	cmp m.eml m.orig
}

@test "list: --level, --min-level and --owner choose the rows, for xargs -0" {
	mkdir d
	for f in a b c; do printf 'x\n' > "d/$f.txt"; done
	tim-mark --carriers name -l 極秘 d/a.txt
	tim-mark --carriers name,content -l 秘 --owner 設計部 d/b.txt
	tim-mark --carriers name -l 社内限 d/c.txt
	run tim-mark --list -0 --level 極秘 d
	assert_success
	[ "$output" = "d/【極秘】a.txt" ]
	run tim-mark --list --min-level 秘 d
	assert_success
	assert_line --index 0 --partial "d/【極秘】a.txt"
	assert_line --index 1 --partial "d/【秘】b.txt"
	[ "${#lines[@]}" -eq 2 ]
	run tim-mark --list --owner 設計部 d
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "d/【秘】b.txt"
	run tim-mark --list --min-level 部外秘 d
	assert_failure 2
	assert_output --partial "unknown level '部外秘'"
	run tim-mark --min-level 秘 d/a.txt
	assert_failure 2
	assert_output --partial "--min-level goes with --list only"
	# the pipeline of the issue: erase what is 極秘, and only that
	tim-ledger init reg.tim >/dev/null
	run sh -c 'tim-mark --list -0 --level 極秘 d | xargs -0 tim-wipe --ledger reg.tim'
	assert_success
	assert_file_not_exists d/【極秘】a.txt
	assert_file_exists d/【秘】b.txt
	assert_file_exists d/【社内限】c.txt
	[ "$(grep -c '"kind":"erase"' reg.tim)" -eq 1 ]
}

@test "names: a name too long for its label is refused before any carrier changes" {
	xattr_ok
	n=$(printf 'a%.0s' $(seq 245)).txt
	printf 'x\n' > "$n"
	cp "$n" orig
	run tim-mark "$n"
	assert_failure 3
	assert_output --partial "the name with its label would be 264 bytes, longer than the 255 a file name may have; nothing changed"
	cmp "$n" orig
	[ -z "$(getfattr -d -m user.tim "$n" 2>/dev/null)" ]
	run tim-mark --carriers xattr,content "$n"
	assert_success
}

@test "--show and --list escape control characters in names" {
	n=$(printf 'e\033[31mvil\nx.txt')
	printf 'x\n' > "$n"
	tim-mark --carriers name "$n"
	run tim-mark --show "$(printf '【社外秘】e\033[31mvil\nx.txt')"
	assert_success
	assert_output '【社外秘】e\x1b[31mvil\x0ax.txt: 【社外秘】 (name)'
	run tim-mark --list .
	assert_output --partial '【社外秘】e\x1b[31mvil\x0ax.txt	社外秘'
}

@test "kill -9 while rewriting leaves no copy; a leftover .tim-XXXXXX is skipped and named" {
	yes 設計データ | head -c 200000000 > big.txt
	tim-mark --carriers content big.txt &
	pid=$!
	# wait until the rewrite has its temporary file open, then kill
	for i in $(seq 500); do
		ls -l /proc/$pid/fd 2>/dev/null | grep -q -e '(deleted)' -e '\.tim-' && break
		sleep 0.01
	done
	kill -9 $pid 2>/dev/null || true
	wait $pid || true
	# killed in the middle: the original is untouched, and no copy is left
	[ "$(head -n 1 big.txt)" = "設計データ" ]
	run sh -c 'ls -A | grep -c "^\.tim-"'
	assert_output "0"
	printf 'secret\n' > .tim-AbC123
	printf 'x\n' > 【秘】a.txt
	run --separate-stderr tim-mark --list .
	assert_success
	[[ $output == *"【秘】a.txt"* ]]
	[[ $output != *".tim-AbC123"* ]]
	[[ $stderr == *"'./.tim-AbC123' is a temporary copy that an interrupted tim-mark left behind; not listed"* ]]
	run tim-check --unmarked .
	assert_success
	refute_output --partial ".tim-AbC123"
}

# An OLE compound file whose directory names the given streams: the shape of
# a password-protected Office document (MS-OFFCRYPTO). No client here can
# write one (LibreOffice's command line does not encrypt OOXML).
cfb() {
	python3 - "$@" <<'PY'
import struct, sys
out, names = sys.argv[1], sys.argv[2:]
h = bytearray(512)
h[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
struct.pack_into("<HHHHH", h, 24, 0x3e, 3, 0xfffe, 9, 6)
struct.pack_into("<IIIIIIII", h, 40, 0, 1, 1, 0, 4096, 0xfffffffe, 0, 0xfffffffe)
struct.pack_into("<I", h, 68, 0)
for i in range(1, 109):
    struct.pack_into("<I", h, 76 + 4 * i, 0xffffffff)
fat = struct.pack("<II", 0xfffffffd, 0xfffffffe) + b"\xff" * 504
d = bytearray()
for i, n in enumerate(["Root Entry"] + names):
    e = bytearray(128)
    u = n.encode("utf-16-le")
    e[0:len(u)] = u
    struct.pack_into("<HBB", e, 64, len(u) + 2, 5 if i == 0 else 2, 1)
    struct.pack_into("<III", e, 68, 0xffffffff, 0xffffffff, 1 if i == 0 and names else 0xffffffff)
    struct.pack_into("<I", e, 116, 0xfffffffe)
    d += e
d += b"\0" * (512 - len(d))
open(out, "wb").write(bytes(h) + fat + bytes(d))
PY
}

@test "Office: a password-protected document keeps its bytes and says so; a legacy .doc gets name and xattr with the reason" {
	xattr_ok
	cfb 仕様書.docx EncryptionInfo EncryptedPackage
	cp 仕様書.docx enc.orig
	run --separate-stderr tim-mark -l 秘 仕様書.docx
	assert_success
	assert_output "marked '【秘】仕様書.docx' 【秘】 (name, xattr)"
	[[ $stderr == *"content not marked ('仕様書.docx' is an encrypted Office document: its content cannot be read or marked without the password); only its name and attributes carry the label"* ]]
	cmp 【秘】仕様書.docx enc.orig
	run --separate-stderr tim-mark --show 【秘】仕様書.docx
	assert_success
	[[ $stderr == *"content not read ('【秘】仕様書.docx' is an encrypted Office document"* ]]
	# a legacy Word file, as LibreOffice writes it, when LibreOffice is here
	if command -v soffice >/dev/null; then
		printf 'old\n' > old.txt
		HOME=$PWD timeout 120 soffice --headless -env:UserInstallation="file://$PWD/lo" \
		    --convert-to 'doc:MS Word 97' old.txt >/dev/null 2>&1
	else
		cfb old.doc WordDocument
	fi
	cp old.doc old.orig
	run tim-mark -v old.doc
	assert_success
	assert_output --partial "'old.doc': no label inside (a legacy Office file (.doc, .xls, .ppt), which tim does not write into); only its name and attributes carry it"
	cmp 【社外秘】old.doc old.orig
}
