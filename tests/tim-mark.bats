#!/usr/bin/env bats
# tim-mark: every carrier and mode, with fixtures made here.
load test_helper

xattr_ok() {
	: > .xprobe
	if ! setfattr -n user.tim.probe -v 1 .xprobe 2>/dev/null; then
		rm -f .xprobe
		skip "this filesystem keeps no user extended attributes"
	fi
	rm -f .xprobe
}

@test "mark: -h prints the synopsis and exits 0" {
	run tim-mark -h
	assert_success
	assert_output --partial "usage: tim-mark"
	assert_output --partial "--list"
}

@test "mark: no file is a usage error" {
	run tim-mark
	assert_failure 2
	assert_output --partial "no file given"
}

@test "mark: conflicting modes are a usage error" {
	run tim-mark --show --remove x
	assert_failure 2
	assert_output --partial "exclude each other"
}

@test "mark: an unknown level is a usage error naming the levels" {
	printf 'x\n' > a.txt
	run tim-mark -l 部外秘 a.txt
	assert_failure 2
	assert_output --partial "unknown level '部外秘' (levels: 極秘, 秘, 社外秘, 社内限)"
	assert_file_exists a.txt
}

@test "mark: a bad date is a usage error" {
	run tim-mark --until 2026-02-30 a.txt
	assert_failure 2
	assert_output --partial "invalid until '2026-02-30'"
}

@test "mark: an unknown carrier is a usage error" {
	printf 'x\n' > a.txt
	run tim-mark --carriers name,ink a.txt
	assert_failure 2
	assert_output --partial "unknown carrier 'ink'"
}

@test "name: default level 社外秘 as a prefix, idempotent" {
	printf 'x\n' > 図面.bin
	run tim-mark --carriers name 図面.bin
	assert_success
	assert_output "marked '【社外秘】図面.bin' 【社外秘】 (name)"
	assert_file_exists 【社外秘】図面.bin
	run tim-mark --carriers name 【社外秘】図面.bin
	assert_success
	assert_output ""
	assert_file_exists 【社外秘】図面.bin
	assert_file_not_exists 【社外秘】【社外秘】図面.bin
}

@test "name: a higher level replaces a lower one; lowering needs --force" {
	printf 'x\n' > 【社内限】a.bin
	run tim-mark --carriers name -l 秘 【社内限】a.bin
	assert_success
	assert_file_exists 【秘】a.bin
	run tim-mark --carriers name -l 社外秘 【秘】a.bin
	assert_failure 1
	assert_output --partial "is marked 秘, higher than 社外秘"
	assert_file_exists 【秘】a.bin
	run tim-mark --carriers name --force -l 社外秘 【秘】a.bin
	assert_success
	assert_file_exists 【社外秘】a.bin
}

@test "name: --remove restores the original name" {
	printf 'x\n' > 'my file.bin'
	tim-mark --carriers name -l 極秘 'my file.bin'
	assert_file_exists '【極秘】my file.bin'
	run tim-mark --remove --carriers name '【極秘】my file.bin'
	assert_success
	assert_output "removed the label from 'my file.bin' (name)"
	assert_file_exists 'my file.bin'
}

@test "name: stacked prefixes collapse to one" {
	printf 'x\n' > 【社外秘】【社内限】a.bin
	run tim-mark --carriers name 【社外秘】【社内限】a.bin
	assert_success
	assert_file_exists 【社外秘】a.bin
}

@test "name: an existing target is never overwritten" {
	printf 'mine\n' > a.bin
	printf 'theirs\n' > 【社外秘】a.bin
	run tim-mark --carriers name a.bin
	assert_failure 3
	assert_output --partial "already exists"
	run cat 【社外秘】a.bin
	assert_output "theirs"
	assert_file_exists a.bin
}

@test "name: an NFD prefix (macOS) is recognised" {
	# ガ as カ + U+3099 in a custom level.
	printf '[label]\nlevels = ガ秘,社外秘\n' > tim.conf
	nfd=$(printf '\xe3\x80\x90\xe3\x82\xab\xe3\x82\x99\xe7\xa7\x98\xe3\x80\x91a.bin')
	printf 'x\n' > "$nfd"
	run tim-mark --show --carriers name "$nfd"
	assert_success
	assert_output --partial "【ガ秘】 (name)"
	run tim-mark --carriers name -l ガ秘 "$nfd"
	assert_success
	assert_output ""
}

@test "name: the template comes from the config" {
	printf '[label]\nname-template = [%%s]_\n' > tim.conf
	printf 'x\n' > a.bin
	run tim-mark --carriers name a.bin
	assert_success
	assert_file_exists '[社外秘]_a.bin'
}

@test "name: a symlink is refused, its target untouched" {
	printf 'x\n' > t.txt
	ln -s t.txt l.txt
	run tim-mark l.txt
	assert_failure 3
	assert_output --partial "symbolic link"
	assert_file_exists t.txt
	run cat t.txt
	assert_output "x"
}

@test "xattr: user.tim.* set, read and removed exactly" {
	xattr_ok
	printf 'x\n' > a.bin
	setfattr -n user.other -v keep a.bin
	getfattr -d -m - a.bin > before 2>/dev/null
	run tim-mark --carriers xattr -l 秘 --owner 設計部 --entrusted 取引先A --id TIM-1 --until 2031-03-31 a.bin
	assert_success
	run getfattr --only-values -n user.tim.label a.bin
	assert_output "秘"
	run getfattr --only-values -n user.tim.entrusted a.bin
	assert_output "取引先A"
	run getfattr --only-values -n user.tim.until a.bin
	assert_output "2031-03-31"
	run tim-mark --remove --carriers xattr a.bin
	assert_success
	getfattr -d -m - a.bin > after 2>/dev/null
	run diff before after
	assert_success
}

@test "xattr: a bad value someone wrote is a clear error" {
	xattr_ok
	printf 'x\n' > a.bin
	setfattr -n user.tim.until -v yesterday a.bin
	run tim-mark --show a.bin
	assert_failure 1
	assert_output --partial "not a valid label value"
	assert_output --partial "a.bin: not marked"
	# it hides no other carrier, and marking writes it anew
	run tim-mark --carriers name,xattr -l 秘 a.bin
	assert_success
	run getfattr --only-values -n user.tim.until 【秘】a.bin
	assert_failure
	run tim-mark --show 【秘】a.bin
	assert_success
	assert_output "【秘】a.bin: 【秘】 (name, xattr)"
}

@test "text: plain, Markdown, shell, C, SQL in their syntax; round trip gives the bytes" {
	printf 'a,b\n1,2\n' > t.txt
	printf 'a,b\n1,2\n' > d.csv
	cp d.csv d.orig
	printf '# Title\n\ntext\n' > r.md
	printf '#!/bin/sh\necho hi\n' > s.sh
	printf 'int x;\n' > c.c
	printf 'select 1;\n' > q.sql
	printf 'key: v\n' > y.yaml
	for f in t.txt r.md s.sh c.c q.sql y.yaml; do cp "$f" "$f.orig"; done
	run tim-mark --carriers content --owner 設計部 t.txt r.md s.sh c.c q.sql y.yaml
	assert_success
	run head -n 1 t.txt
	assert_output "【社外秘】 owner=設計部"
	run head -n 1 r.md
	assert_output "<!-- 【社外秘】 owner=設計部 -->"
	run head -n 2 s.sh
	assert_output "$(printf '#!/bin/sh\n# 【社外秘】 owner=設計部')"
	run head -n 1 c.c
	assert_output "// 【社外秘】 owner=設計部"
	run head -n 1 q.sql
	assert_output "-- 【社外秘】 owner=設計部"
	run head -n 1 y.yaml
	assert_output "# 【社外秘】 owner=設計部"
	run tim-mark --carriers content t.txt r.md s.sh c.c q.sql y.yaml
	assert_success
	assert_output ""
	run tim-mark --remove --carriers content t.txt r.md s.sh c.c q.sql y.yaml
	assert_success
	for f in t.txt r.md s.sh c.c q.sql y.yaml; do cmp "$f" "$f.orig"; done
	# a CSV gets no label row: its header stays the first line
	run tim-mark -v --carriers content d.csv
	assert_failure 1
	assert_line --index 0 "tim-mark: 'd.csv': no label inside (a data file (CSV, TSV), where a label line would become the first data row)"
	assert_line --index 1 "tim-mark: 'd.csv' is not marked: none of the carriers asked for has a place for a label in it"
	cmp d.csv d.orig
	run tim-mark -v d.csv
	assert_success
	assert_output --partial "'d.csv': no label inside (a data file (CSV, TSV), where a label line would become the first data row); only its name and attributes carry it"
	assert_output --partial "marked '【社外秘】d.csv' 【社外秘】 (name, xattr)"
	cmp 【社外秘】d.csv d.orig
}

@test "text: a BOM and CRLF stay; an empty file round-trips" {
	printf '\xef\xbb\xbfa\r\nb\r\n' > w.txt
	: > e.txt
	cp w.txt w.orig
	tim-mark --carriers content w.txt e.txt
	run od -An -c -N 8 w.txt
	assert_output --partial "357 273 277 343 200 220"
	grep -q $'】\r$' w.txt
	tim-mark --remove --carriers content w.txt e.txt
	cmp w.txt w.orig
	[ ! -s e.txt ]
}

@test "text: quoted values survive the round trip" {
	printf 'x\n' > a.txt
	run tim-mark --carriers content --owner '設計部 "第1課"' a.txt
	assert_success
	run head -n 1 a.txt
	assert_output '【社外秘】 owner="設計部 \"第1課\""'
	run tim-mark --show --carriers content --json a.txt
	assert_output --partial '"owner":"設計部 \"第1課\""'
}

@test "text: a person's own first line is not taken for a label" {
	printf '【社外秘】 会議メモ\nbody\n' > m.txt
	run tim-mark --show --carriers content m.txt
	assert_failure 1
	assert_output "m.txt: not marked"
	run tim-mark --remove --carriers content m.txt
	assert_success
	run cat m.txt
	assert_output "$(printf '【社外秘】 会議メモ\nbody')"
}

@test "text: mode, owner and mtime are kept, no temporary file is left" {
	printf 'x\n' > a.txt
	chmod 640 a.txt
	touch -d '2020-01-02 03:04:05' a.txt
	tim-mark --carriers content a.txt
	run stat -c '%a %Y' a.txt
	assert_output "640 $(date -d '2020-01-02 03:04:05' +%s)"
	run sh -c 'ls -A | grep -c tim-mark'
	assert_output "0"
}

@test "content: binary and JSON files are skipped with a note; name still applies" {
	printf '\0\1\2' > b.bin
	printf '{"a":1}\n' > j.json
	run tim-mark -v --carriers name,content b.bin j.json
	assert_success
	assert_output --partial "'b.bin': no label inside (this kind of file has no place for a label inside); only its name and attributes carry it"
	assert_output --partial "'j.json': no label inside (a text type without a known comment syntax); only its name and attributes carry it"
	assert_file_exists 【社外秘】b.bin
	run cat 【社外秘】j.json
	assert_output '{"a":1}'
}

@test "folder: .timlabel applies below; --show reports it as inherited" {
	mkdir -p proj/sub
	printf 'x\n' > proj/sub/a.bin
	run tim-mark --carriers folder -l 秘 --owner 設計部 proj
	assert_success
	assert_file_exists proj/.timlabel
	run tim-mark --show proj/sub/a.bin
	assert_success
	assert_output "proj/sub/a.bin: 【秘】 owner=設計部 (inherited from '$PWD/proj/.timlabel')"
	run tim-mark --show --json proj/sub/a.bin
	assert_output --partial '"inherited":true'
	run tim-mark -v --carriers content proj/.timlabel
	assert_failure 1
	assert_output --partial "'proj/.timlabel': no label inside (the label file of a folder)"
	run tim-mark --show proj/sub/a.bin
	assert_success
	run tim-mark --remove --carriers folder proj
	assert_success
	assert_file_not_exists proj/.timlabel
	run tim-mark --show proj/sub/a.bin
	assert_failure 1
}

@test "folder: a damaged .timlabel is a clear error" {
	mkdir d
	printf 'level = 秘\ncolour = red\n' > d/.timlabel
	printf 'x\n' > d/a.bin
	run tim-mark --show d/a.bin
	assert_failure 3
	assert_output --partial "unknown key 'colour'"
}

@test "show: exit 1 when any file is not marked; disagreeing carriers are flagged" {
	xattr_ok
	printf 'x\n' > a.txt
	printf 'y\n' > b.txt
	tim-mark a.txt
	setfattr -n user.tim.label -v 秘 【社外秘】a.txt
	run tim-mark --show 【社外秘】a.txt b.txt
	assert_failure 1
	assert_output --partial "the carriers disagree"
	assert_output --partial "b.txt: not marked"
	run tim-mark --show --json 【社外秘】a.txt
	assert_success
	assert_output --partial '"level":"秘"'
	assert_output --partial '"disagree":true'
}

@test "mark: -n changes nothing" {
	printf 'x\n' > a.txt
	cp a.txt a.orig
	run tim-mark -n a.txt
	assert_success
	assert_output --partial "would mark '【社外秘】a.txt'"
	assert_file_exists a.txt
	cmp a.txt a.orig
}

@test "mark: round trip of all default carriers gives the original bytes and name" {
	xattr_ok
	printf 'line\n' > 報告.txt
	cp 報告.txt orig
	getfattr -d -m - 報告.txt > before 2>/dev/null
	tim-mark -l 極秘 --id TIM-9 報告.txt
	tim-mark --remove 【極秘】報告.txt
	cmp 報告.txt orig
	getfattr -d -m - 報告.txt > after 2>/dev/null
	diff before after
}

@test "mark: paths from stdin, newline and NUL separated" {
	printf 'x\n' > a.txt
	printf 'y\n' > 'b c.txt'
	printf 'a.txt\n' | tim-mark --carriers name -
	assert_file_exists 【社外秘】a.txt
	printf 'b c.txt\0' | tim-mark --carriers name -0 -
	assert_file_exists '【社外秘】b c.txt'
}

@test "mark: a failing file does not stop the batch; worst status wins" {
	printf 'x\n' > a.txt
	run tim-mark --carriers name missing.txt a.txt
	assert_failure 3
	assert_output --partial "cannot read 'missing.txt'"
	assert_file_exists 【社外秘】a.txt
}

@test "ledger: every mark and remove appends a mark record; marking an already marked file appends none" {
	tim-ledger init reg.tim >/dev/null
	printf 'x\n' > a.txt
	run tim-mark --ledger reg.tim --owner 設計部 --id TIM-1 a.txt
	assert_success
	# marked again as it is: nothing changes, nothing is said, no record
	run tim-mark --ledger reg.tim --owner 設計部 --id TIM-1 【社外秘】a.txt
	assert_success
	assert_output ''
	[ "$(grep -c '"kind":"mark"' reg.tim)" -eq 1 ]
	run tim-mark --ledger reg.tim --remove 【社外秘】a.txt
	assert_success
	run tim-ledger list --json reg.tim
	assert_output --partial '"item":"【社外秘】a.txt","level":"社外秘","action":"mark"'
	assert_output --partial '"owner":"設計部","id":"TIM-1"'
	assert_output --partial '"item":"a.txt","level":"社外秘","action":"remove"'
	[ "$(grep -c '"kind":"mark"' reg.tim)" -eq 2 ]
	run tim-ledger verify reg.tim
	assert_success
}

@test "list: the inventory walks without following symlinks" {
	mkdir -p tree/sub outside
	printf 'x\n' > tree/sub/a.txt
	printf 'y\n' > tree/b.txt
	printf 'z\n' > outside/c.txt
	tim-mark --carriers name,content --owner 設計部 tree/sub/a.txt outside/c.txt
	ln -s ../outside tree/link
	run tim-mark --list tree
	assert_success
	assert_output --partial "tree/sub/【社外秘】a.txt	社外秘	設計部	-	-	-	name,text"
	refute_output --partial "c.txt"
	refute_output --partial "b.txt"
	run tim-mark --list --json tree
	assert_output --partial '"path":"tree/sub/【社外秘】a.txt","level":"社外秘","owner":"設計部","carriers":"name,text"'
	run tim-mark --list -0 tree
	assert_output "tree/sub/【社外秘】a.txt"
}

@test "list: a tree nested past the depth limit is reported, not walked; the rest is still listed" {
	d=deep
	for i in $(seq 258); do d=$d/d; done
	mkdir -p "$d"
	printf 'x\n' > "$d/【秘】x.txt"
	printf 'y\n' > 'deep/d/【秘】y.txt'
	touch -d '2026-12-01T10:02:08Z' 'deep/d/【秘】y.txt'
	TZ=Asia/Tokyo run --separate-stderr tim-mark --list deep
	assert_failure 3
	# the time is local with its offset, as people read it
	assert_output "$(printf 'deep/d/【秘】y.txt\t秘\t-\t-\t-\t-\tname\t2\t2026-12-01 19:02:08+09:00')"
	[[ $stderr == *"is nested too deep; not listing below it"* ]]
}

@test "list: --csv has a BOM, quotes every cell, ends rows in CRLF and neutralises formulas" {
	printf 'x\n' > '=cmd.txt'
	tim-mark --carriers content --owner '@evil' '=cmd.txt'
	touch -d '2026-12-01T10:02:08Z' '=cmd.txt'
	TZ=Asia/Tokyo run tim-mark --list --csv .
	assert_success
	assert_line --index 0 "$(printf '\xef\xbb\xbf"path","level","owner","entrusted to","control number","keep until","carriers","size (bytes)","modified"\r')"
	assert_line --index 1 '"./=cmd.txt","社外秘","'"'"'@evil","","","","text","30","2026-12-01 19:02:08+09:00"'$'\r'
	[ "${#lines[@]}" -eq 2 ]
	# for Excel on a Japanese desk: Japanese headings
	LANG=ja_JP.UTF-8 TZ=Asia/Tokyo run tim-mark --list --csv .
	assert_success
	assert_line --index 0 "$(printf '\xef\xbb\xbf"パス","区分","管理部署","委託先","管理番号","保管期限","表示媒体","サイズ（バイト）","更新日時"\r')"
	run tim-mark --list --csv --json .
	assert_failure 2
}

office() { python3 "$BATS_TEST_DIRNAME/fixtures/office.py" "$@"; }

@test "ooxml: docx gets custom properties, header, footer and watermark; the package stays valid" {
	office make docx a.docx --no-doc-rels
	run tim-mark --carriers content -l 秘 --owner 設計部 --id TIM-7 a.docx
	assert_success
	assert_output "marked 'a.docx' 【秘】 owner=設計部 id=TIM-7 (docx)"
	run office check a.docx
	assert_output "ok"
	run office part a.docx docProps/custom.xml
	assert_output --partial 'name="TIM_Label"><vt:lpwstr>秘</vt:lpwstr>'
	assert_output --partial 'name="TIM_Id"><vt:lpwstr>TIM-7</vt:lpwstr>'
	run office part a.docx '[Content_Types].xml'
	assert_output --partial 'PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"'
	assert_output --partial 'PartName="/word/tim-header.xml"'
	run office part a.docx _rels/.rels
	assert_output --partial 'relationships/custom-properties" Target="docProps/custom.xml"'
	run office part a.docx word/tim-header.xml
	assert_output --partial '<w:pStyle w:val="TIMLabel"/>'
	assert_output --partial 'rotation:315'
	assert_output --partial 'string="秘"'
	run office part a.docx word/tim-footer.xml
	assert_output --partial '【秘】 管理部署: 設計部 管理番号: TIM-7'
	# References lead the first sectPr, header before footer.
	run office part a.docx word/document.xml
	assert_output --partial '<w:sectPr><w:headerReference w:type="default" r:id="rIdTim2"/><w:footerReference w:type="default" r:id="rIdTim3"/><w:pgSz'
	run tim-mark --show --carriers content a.docx
	assert_success
	assert_output "a.docx: 【秘】 owner=設計部 id=TIM-7 (docx)"
}

@test "ooxml: an existing header keeps its text and gets the label; remove takes only ours away" {
	office make docx h.docx --header
	office part h.docx word/header1.xml > header.before
	tim-mark --carriers content h.docx
	run office part h.docx word/header1.xml
	assert_output --partial '<w:pStyle w:val="TIMLabel"/>'
	assert_output --partial 'my header'
	run tim-mark --carriers content h.docx
	assert_output ""
	run tim-mark --remove --carriers content h.docx
	assert_success
	run office check h.docx
	assert_output "ok"
	run office names h.docx
	refute_output --partial "custom.xml"
	refute_output --partial "tim-header"
	refute_output --partial "tim-styles"
	office part h.docx word/header1.xml > header.after
	run diff <(tr -d '\n' < header.before) <(tr -d '\n' < header.after)
	assert_success
}

@test "ooxml: every other part is copied unchanged, [Content_Types].xml first" {
	office make docx a.docx
	python3 - <<'PY'
import zipfile
with zipfile.ZipFile("a.docx", "a") as z:
    z.writestr("word/media/image1.bin", bytes(range(256)) * 64)
    z.writestr("customXml/item1.xml", "<x>keep</x>")
PY
	tim-mark --carriers content a.docx
	python3 - <<'PY'
import zipfile
z = zipfile.ZipFile("a.docx")
assert z.namelist()[0] == "[Content_Types].xml", z.namelist()
assert z.read("word/media/image1.bin") == bytes(range(256)) * 64
assert z.read("customXml/item1.xml") == b"<x>keep</x>"
assert z.read("docProps/app.xml").startswith(b"<?xml")
PY
}

@test "ooxml: xlsx headers on every worksheet, next to the user's own" {
	office make xlsx a.xlsx --header
	run tim-mark --carriers content --owner 設計部 a.xlsx
	assert_success
	run office check a.xlsx
	assert_output "ok"
	run office part a.xlsx xl/worksheets/sheet1.xml
	assert_output --partial '<headerFooter><oddHeader>&amp;Lleft&amp;Cmine&amp;R【社外秘】 管理部署: 設計部</oddHeader><oddFooter>&amp;R【社外秘】 管理部署: 設計部</oddFooter></headerFooter><tableParts'
	tim-mark --remove --carriers content a.xlsx
	run office part a.xlsx xl/worksheets/sheet1.xml
	assert_output --partial '<headerFooter><oddHeader>&amp;Lleft&amp;Cmine</oddHeader></headerFooter>'
}

@test "ooxml: pptx gets a text box on the slide master with a fresh id" {
	office make pptx a.pptx
	run tim-mark --carriers content -l 極秘 a.pptx
	assert_success
	run office check a.pptx
	assert_output "ok"
	run office part a.pptx ppt/slideMasters/slideMaster1.xml
	assert_output --partial '<p:cNvPr id="8" name="TIM_Label"/>'
	assert_output --partial '<a:t>【極秘】</a:t>'
	tim-mark --carriers content -l 極秘 --owner 設計部 a.pptx
	run office part a.pptx ppt/slideMasters/slideMaster1.xml
	[ "$(grep -o 'name="TIM_Label"' <<<"$output" | wc -l)" -eq 1 ]
	tim-mark --remove --carriers content a.pptx
	run office part a.pptx ppt/slideMasters/slideMaster1.xml
	refute_output --partial 'TIM_Label'
}

@test "ooxml: MSIP properties when a label GUID is configured" {
	printf '[label]\nmsip-guid = 01234567-89ab-cdef-0123-456789abcdef\nmsip-tenant = 89abcdef-0123-4567-89ab-cdef01234567\n' > tim.conf
	office make docx a.docx
	tim-mark --carriers content a.docx
	run office part a.docx docProps/custom.xml
	assert_output --partial 'name="MSIP_Label_01234567-89ab-cdef-0123-456789abcdef_Enabled"><vt:lpwstr>true</vt:lpwstr>'
	assert_output --partial 'name="MSIP_Label_01234567-89ab-cdef-0123-456789abcdef_Name"><vt:lpwstr>社外秘</vt:lpwstr>'
	printf '[label]\nmsip-guid = nope\n' > tim.conf
	run tim-mark --carriers content a.docx
	assert_failure 2
	assert_output --partial "is not a GUID"
}

@test "ooxml: mark keeps mode and mtime; a zip that is not Office is skipped" {
	office make docx a.docx
	chmod 600 a.docx
	touch -d '2021-05-06 07:08:09' a.docx
	tim-mark --carriers content a.docx
	run stat -c '%a %Y' a.docx
	assert_output "600 $(date -d '2021-05-06 07:08:09' +%s)"
	python3 -c 'import zipfile; zipfile.ZipFile("p.zip","w").writestr("a.txt","x")'
	run tim-mark -v --carriers content p.zip
	assert_failure 1
	assert_output --partial "a zip archive that is not an Office or OpenDocument file"
	assert_output --partial "'p.zip' is not marked: none of the carriers asked for has a place for a label in it"
}

@test "hostile: ../ entries, zip bombs, DTDs, external entities and truncation: content refused and untouched, name and xattr still marked" {
	for k in dotdot bomb dtd entity truncated; do
		office hostile "$k" "$k.docx"
		cp "$k.docx" "$k.orig"
	done
	run tim-mark dotdot.docx
	assert_success
	assert_output --partial "content not marked ('dotdot.docx' holds an entry with an unsafe name; refusing it); only its name and attributes carry the label"
	assert_output --partial "marked '【社外秘】dotdot.docx' 【社外秘】 (name, xattr)"
	run tim-mark bomb.docx
	assert_success
	assert_output --partial "zip bomb"
	run tim-mark dtd.docx
	assert_success
	assert_output --partial "declares a DTD; refusing it"
	run tim-mark entity.docx
	assert_success
	assert_output --partial "declares a DTD; refusing it"
	run tim-mark truncated.docx
	assert_success
	assert_output --partial "'truncated.docx' is damaged"
	for k in dotdot bomb dtd entity truncated; do
		cmp "【社外秘】$k.docx" "$k.orig"
	done
	# content alone cannot be marked: a failure, nothing changed
	run tim-mark --carriers content 【社外秘】bomb.docx
	assert_failure 3
	assert_output --partial "zip bomb"
	cmp 【社外秘】bomb.docx bomb.orig
	run sh -c 'ls -A | grep -c "tim-"'
	assert_output "0"
}

@test "odf: odt, ods, odp get meta.xml properties and master-page labels; remove restores the styles" {
	for k in odt ods odp; do
		office make "$k" "a.$k"
		office part "a.$k" styles.xml | tr -d '\n' > "styles.$k"
	done
	run tim-mark --carriers content -l 秘 --owner 設計部 a.odt a.ods a.odp
	assert_success
	for k in odt ods odp; do
		run office check "a.$k"
		assert_output "ok"
	done
	run office part a.odt meta.xml
	assert_output --partial '<meta:user-defined meta:name="TIM_Label" meta:value-type="string">秘</meta:user-defined>'
	run office part a.odt styles.xml
	assert_output --partial '<style:header><text:p text:style-name="TIM_20_Label">【秘】 管理部署: 設計部</text:p></style:header>'
	assert_output --partial 'style:name="TIM_20_Label" style:display-name="TIM Label" style:family="paragraph"'
	assert_output --partial '<style:footer'
	run office part a.odp styles.xml
	assert_output --partial 'draw:name="TIM_Label"'
	run tim-mark --show --carriers content --json a.ods
	assert_success
	assert_output --partial '"carrier":"ods","level":"秘","owner":"設計部"'
	run tim-mark --carriers content -l 秘 --owner 設計部 a.odt
	assert_output ""
	tim-mark --remove --carriers content a.odt a.ods a.odp
	for k in odt ods odp; do
		run diff "styles.$k" <(office part "a.$k" styles.xml | tr -d '\n')
		assert_success
	done
	run office part a.odt meta.xml
	refute_output --partial TIM_
}

@test "libreoffice: marked documents open and keep the label (skipped without soffice)" {
	command -v soffice >/dev/null || skip "LibreOffice (soffice) is not installed"
	printf 'Hello 本文\n' > doc.txt
	printf 'a,b\n1,2\n' > s.csv
	HOME=$PWD timeout 120 soffice --headless --convert-to docx doc.txt >/dev/null 2>&1
	HOME=$PWD timeout 120 soffice --headless --convert-to xlsx s.csv >/dev/null 2>&1
	run tim-mark --carriers content -l 秘 --owner 設計部 doc.docx s.xlsx
	assert_success
	mkdir out
	HOME=$PWD timeout 120 soffice --headless --convert-to odt --outdir out doc.docx >/dev/null 2>&1
	HOME=$PWD timeout 120 soffice --headless --convert-to ods --outdir out s.xlsx >/dev/null 2>&1
	run office part out/doc.odt styles.xml
	assert_output --partial '【秘】 管理部署: 設計部'
	assert_output --partial 'draw:text-path="true"'
	run office part out/doc.odt meta.xml
	assert_output --partial 'meta:name="TIM_Label">秘<'
	run office part out/s.ods styles.xml
	assert_output --partial '【秘】'
}

pdf() { python3 "$BATS_TEST_DIRNAME/fixtures/pdf.py" "$@"; }

@test "pdf: Info and XMP by incremental update; earlier bytes untouched; remove gives the original" {
	pdf classic a.pdf
	pdf xrefstream b.pdf
	cp a.pdf a.orig
	cp b.pdf b.orig
	run tim-mark --carriers content -l 秘 --owner 設計部 a.pdf b.pdf
	assert_success
	assert_output --partial "marked 'a.pdf' 【秘】 owner=設計部 (pdf)"
	cmp -n "$(stat -c %s a.orig)" a.pdf a.orig
	cmp -n "$(stat -c %s b.orig)" b.pdf b.orig
	run grep -a -c '/TIM_Label <FEFF79D8>' a.pdf
	assert_output "1"
	run grep -a -c '<tim:Label>秘</tim:Label>' b.pdf
	assert_output "1"
	# The xref-stream file gets an xref stream, the classic one a table.
	run grep -a -c '/Type /XRef /Size' b.pdf
	assert_output "2"
	run tim-mark --show --carriers content --json a.pdf b.pdf
	assert_success
	assert_output --partial '"carrier":"pdf","level":"秘","owner":"設計部"'
	run tim-mark --carriers content -l 秘 --owner 設計部 a.pdf
	assert_output ""
	# A new label replaces tim's own last update instead of stacking.
	tim-mark --carriers content -l 極秘 a.pdf
	run grep -a -c 'TIM-MARK' a.pdf
	assert_output "1"
	run tim-mark --remove --carriers content a.pdf b.pdf
	assert_success
	cmp a.pdf a.orig
	cmp b.pdf b.orig
}

@test "pdf: qpdf accepts the updated files (skipped without qpdf)" {
	command -v qpdf >/dev/null || skip "qpdf is not installed"
	pdf classic a.pdf
	pdf xrefstream b.pdf
	tim-mark --carriers content -l 秘 --owner 設計部 a.pdf b.pdf
	for f in a.pdf b.pdf; do
		run qpdf --check "$f"
		assert_success
		assert_output --partial "No syntax or stream encoding errors"
	done
	run qpdf --show-object=4 b.pdf
	assert_output --partial "/TIM_Label <feff79d8>"
	assert_output --partial "/Title (In a stream)"
	run qpdf --show-object=1 a.pdf
	assert_output --partial "/Metadata 5 0 R"
}

@test "pdf: a later update by someone else (a signature) is kept; remove appends instead of cutting" {
	pdf classic a.pdf
	tim-mark --carriers content a.pdf
	pdf append a.pdf
	cp a.pdf signed
	run tim-mark --remove --carriers content a.pdf
	assert_success
	cmp -n "$(stat -c %s signed)" a.pdf signed
	[ "$(stat -c %s a.pdf)" -gt "$(stat -c %s signed)" ]
	run tim-mark --show --carriers content a.pdf
	assert_failure 1
	assert_output "a.pdf: not marked"
}

@test "pdf: encrypted and truncated files keep their bytes; name and xattr still carry the label" {
	pdf encrypted e.pdf
	pdf classic t.pdf
	head -c 300 t.pdf > cut.pdf
	cp e.pdf e.orig
	cp cut.pdf cut.orig
	run tim-mark e.pdf
	assert_success
	assert_output --partial "content not marked ('e.pdf' is encrypted: its content cannot be read or marked without the password); only its name and attributes carry the label"
	run tim-mark cut.pdf
	assert_success
	assert_output --partial "'cut.pdf' is damaged: no startxref (truncated?)"
	cmp 【社外秘】e.pdf e.orig
	cmp 【社外秘】cut.pdf cut.orig
	run tim-mark --carriers content 【社外秘】e.pdf
	assert_failure 3
	assert_output "tim-mark: '【社外秘】e.pdf' is encrypted: its content cannot be read or marked without the password"
}

@test "batch: files are done in parallel, reported in order; the same file twice is done once" {
	for i in 1 2 3 4 5 6 7 8 9; do printf 'x%s\n' "$i" > "f$i.txt"; done
	run tim-mark --carriers content -j 4 f1.txt f2.txt f3.txt f4.txt f5.txt f6.txt f7.txt f8.txt f9.txt
	assert_success
	assert_line --index 0 "marked 'f1.txt' 【社外秘】 (text)"
	assert_line --index 8 "marked 'f9.txt' 【社外秘】 (text)"
	printf 'y\n' > same.txt
	run tim-mark --carriers content -j 8 same.txt same.txt ./same.txt
	assert_success
	assert_output "marked 'same.txt' 【社外秘】 (text)"
	[ "$(grep -c '【社外秘】' same.txt)" -eq 1 ]
	run tim-mark -j 0 same.txt
	assert_failure 2
	assert_output --partial "-j wants a number from 1 to 64"
}

@test "xattr: a filesystem without user attributes gives a warning; the other carriers still apply" {
	need_root
	mkdir ram
	mount -t ramfs none ram 2>/dev/null || skip "cannot mount a ramfs here"
	printf 'x\n' > ram/a.txt
	if setfattr -n user.tim.probe -v 1 ram/a.txt 2>/dev/null; then
		umount ram
		skip "this ramfs keeps user attributes"
	fi
	run tim-mark ram/a.txt
	st=$status
	out=$output
	run tim-mark --show --carriers name,content ram/【社外秘】a.txt
	show=$output
	umount ram
	[ "$st" -eq 0 ]
	[[ $out == *"the filesystem keeps no extended attributes"* ]]
	[[ $out == *"marked 'ram/【社外秘】a.txt' 【社外秘】 (name, text)"* ]]
	[[ $show == *"【社外秘】 (name, text)"* ]]
}

@test "odf: an encrypted package and a billion-laughs meta.xml keep their bytes; name and xattr still carry the label" {
	office make odt e.odt
	python3 - <<'PY'
import zipfile
src = zipfile.ZipFile("e.odt")
parts = {n: src.read(n) for n in src.namelist()}
src.close()
parts["META-INF/manifest.xml"] = parts["META-INF/manifest.xml"].replace(
    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
    b'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data/></manifest:file-entry>')
laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&b;</office:document-meta>'
for name, change in (("e.odt", None), ("l.odt", ("meta.xml", laughs))):
    with zipfile.ZipFile(name, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), parts["mimetype"])
        for n, d in parts.items():
            if n == "mimetype" or (name == "l.odt" and n == "META-INF/manifest.xml"):
                continue
            if change and n == change[0]:
                d = change[1]
            z.writestr(n, d, compress_type=zipfile.ZIP_DEFLATED)
        if name == "l.odt":
            z.writestr("META-INF/manifest.xml", b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
PY
	cp e.odt e.orig
	cp l.odt l.orig
	run tim-mark e.odt
	assert_success
	assert_output --partial "content not marked ('e.odt' is encrypted; refusing it)"
	run tim-mark l.odt
	assert_success
	assert_output --partial "declares a DTD; refusing it"
	cmp 【社外秘】e.odt e.orig
	cmp 【社外秘】l.odt l.orig
}
