#!/usr/bin/env bats
# tim-wipe's certificate as people see it (issue 11): the --html page
# rendered by headless Chromium to PDF and PNG (one A4 page for one device,
# Japanese text present), one summary page for many files, the label of a
# marked file in the certificate and the erase record; and the paths on
# standard input (issue 13), as tim-mark --list -0 writes them.

load test_helper

sentinel() {	# file, bytes
	yes TIMSENTINEL | head -c "$2" > "$1"
}

# Five files, one marked 極秘 by tim-mark, erased in one run: one page.
files_run() {	# extra tim-wipe options
	mkdir -p d
	for i in 1 2 3 4 5; do sentinel "d/f$i.txt" $((i * 3000)); done
	tim-mark -l 極秘 --owner 設計部 --id TI-0042 d/f1.txt >/dev/null
	TZ=Asia/Tokyo tim-wipe --cert c.json --html c.html --operator 山田太郎 \
	    --organization 株式会社サンプル製作所 --location 本社3F --destination reuse "$@" d/*
}

@test "cert: many files, --lang ja: one certificate, one A4 page in Chromium, a summary and the list, Japanese text" {
	need_chromium
	run files_run --lang ja
	assert_success
	chromium_render c.html || fail "chromium did not render c.html"
	run pdfinfo c.pdf
	assert_line --regexp '^Pages: +1$'
	assert_line --regexp '^Page size: +59[45](\.[0-9]+)? x 84[12](\.[0-9]+)? pts \(A4\)$'
	run pdftotext -layout c.pdf -
	assert_output --partial 'データ消去証明書'
	assert_output --partial '集計'
	assert_output --regexp 'ファイル数 +5'
	assert_output --partial '株式会社サンプル製作所'
	assert_output --partial '極秘 / 管理者 設計部 / ID TI-0042'
	assert_output --partial '該当なし'
	assert_output --partial '再利用'
	assert_output --partial '+09:00'
	for w in 実施者 確認者 承認者 氏名 日付 署名・印; do assert_output --partial "$w"; done
	# one section, not one per file; five rows in the list
	[ "$(grep -o '<section' c.html | wc -l)" = 1 ]
	[ "$(grep -o '<td class="name">' c.html | wc -l)" = 5 ]
	[ "$(file -b --mime-type c.png)" = image/png ]
}

@test "cert: a device gets one A4 page with its medium, the read-back and the signature block" {
	need_chromium
	[ "$(id -u)" = 0 ] || skip "needs root for a loop device"
	[ -e /dev/loop-control ] || skip "no loop device support"
	sentinel img $((4 * 1048576))
	LOOP=$(losetup -f --show "$PWD/img" 2>/dev/null) || skip "cannot attach a loop device here"
	TZ=Asia/Tokyo run tim-wipe -y --cert d.json --html d.html --lang ja --item PC-0107 \
	    --label 社外秘 --operator 山田太郎 "$LOOP"
	losetup -d "$LOOP"
	assert_success
	chromium_render d.html || fail "chromium did not render d.html"
	run pdfinfo d.pdf
	assert_line --regexp '^Pages: +1$'
	run pdftotext -layout d.pdf -
	assert_output --partial 'データ消去証明書'
	assert_output --regexp '資産番号 +PC-0107'
	assert_output --regexp '区分 +社外秘'
	assert_output --regexp '検証 +全数 · 合格'
	assert_output --regexp '結果 +完了'
	assert_output --partial '+09:00'
	for w in 実施者 確認者 承認者 署名・印; do assert_output --partial "$w"; done
	# the JSON keeps UTC
	run python3 -c 'import json; print(json.load(open("d.json"))["start"])'
	assert_output --regexp 'Z$'
}

@test "cert: English without --lang under the C locale, Japanese under ja_JP.UTF-8" {
	sentinel f 100
	LANG=C.UTF-8 run tim-wipe --html en.html f
	assert_success
	grep -q '<html lang="en">' en.html
	grep -q 'Certificate of Sanitization' en.html
	grep -q 'not applicable' en.html
	run grep -c 'データ消去証明書' en.html
	assert_output 0
	sentinel g 100
	LANG=ja_JP.UTF-8 LC_ALL= run tim-wipe --html ja.html g
	assert_success
	grep -q '<html lang="ja">' ja.html
	grep -q 'データ消去証明書' ja.html
	sentinel h 100
	LANG=ja_JP.UTF-8 run tim-wipe --html en2.html --lang en h
	grep -q '<html lang="en">' en2.html
}

@test "cert: --lang takes ja or en, anything else is a usage error" {
	sentinel f 100
	run tim-wipe --html x.html --lang fr f
	assert_equal "$status" 2
	assert_output --partial "invalid --lang 'fr': use ja or en"
	assert_file_exist f
}

@test "cert: flags set the organisation, place and destination over tim.conf" {
	sentinel f 100
	printf '[wipe]\norganization = 設定の組織\nlocation = 設定の場所\ndestination = destroy\n' > "$TIM_CONFIG"
	run tim-wipe --cert c.json --organization 旗の組織 --destination reuse f
	assert_success
	run python3 -c 'import json; d=json.load(open("c.json")); print(d["person"]["organization"], d["person"]["location"], d["media_destination"])'
	assert_output '旗の組織 設定の場所 reuse'
}

@test "cert: a file's device fields say not applicable, not unknown" {
	sentinel f 100
	run tim-wipe --cert c.json f
	run python3 -c 'import json; m=json.load(open("c.json"))["items"][0]["media"]; print(m["make"], m["model"], m["serial"], m["hpa_dco"], sep="|")'
	assert_output 'not applicable|not applicable|not applicable|not applicable'
}

@test "cert: a marked file's label goes into the certificate and the erase record; an unmarked file has none" {
	tim-ledger init reg.tim >/dev/null
	run files_run --ledger reg.tim
	assert_success
	run python3 -c 'import json; d=json.load(open("c.json"))
for i in d["items"]: print(i["target"], i.get("label"))'
	assert_line "d/【極秘】f1.txt {'level': '極秘', 'owner': '設計部', 'id': 'TI-0042'}"
	assert_line "d/f2.txt None"
	run python3 -c 'import json
for l in open("reg.tim").readlines()[1:]:
    r = json.loads(l); print(r["target"], r.get("level"), r.get("owner"), r.get("id"))'
	assert_line "d/【極秘】f1.txt 極秘 設計部 TI-0042"
	assert_line "d/f3.txt None None None"
	run tim-ledger verify reg.tim
	assert_success
}

@test "stdin: '-' reads one path a line; -0 NUL-terminated paths, names with spaces and newlines" {
	sentinel 'a b' 100
	sentinel c 100
	printf 'a b\n\nc\n' | tim-wipe -q -
	assert_file_not_exist 'a b'
	assert_file_not_exist c
	sentinel $'x\ny' 100
	sentinel z 100
	printf 'x\ny\0z\0' | tim-wipe -q -0 -
	assert_file_not_exist $'x\ny'
	assert_file_not_exist z
}

@test "stdin: '-' beside other operands takes its place; given twice, -0 without '-', or an empty list is a usage error" {
	sentinel a 100
	sentinel b 100
	echo b | tim-wipe -q a -
	assert_file_not_exist a
	assert_file_not_exist b
	sentinel c 100
	run tim-wipe - - < /dev/null
	assert_equal "$status" 2
	assert_output --partial "'-' (paths on standard input) may be given only once"
	run tim-wipe -0 c
	assert_equal "$status" 2
	assert_output --partial "-0 is for a list of paths on standard input"
	run tim-wipe - < /dev/null
	assert_equal "$status" 2
	assert_output --partial "nothing to erase: standard input named no path"
	assert_file_exist c
}

@test "stdin: tim-mark --list -0 DIR | xargs -0 tim-wipe --ledger erases the marked files only, and the register says which level" {
	mkdir -p d/sub
	sentinel d/keep.txt 100
	sentinel d/s1.txt 100
	sentinel 'd/sub/s 2.txt' 100
	tim-mark -l 極秘 d/s1.txt 'd/sub/s 2.txt' >/dev/null
	tim-ledger init reg.tim >/dev/null
	run bash -c 'tim-mark --list -0 d | xargs -0 tim-wipe --ledger reg.tim'
	assert_success
	assert_file_exist d/keep.txt
	run find d -name '*s1*' -o -name '*s 2*'
	assert_output ''
	run python3 -c 'import json
print(sorted((json.loads(l)["kind"], json.loads(l)["level"]) for l in open("reg.tim").readlines()[1:]))'
	assert_output "[('erase', '極秘'), ('erase', '極秘')]"
	# the same through '-' and -0
	sentinel d/s3.txt 100
	tim-mark -l 極秘 d/s3.txt >/dev/null
	run bash -c 'tim-mark --list -0 d | tim-wipe -0 --ledger reg.tim -'
	assert_success
	assert_file_exist d/keep.txt
	[ "$(grep -c '"kind":"erase"' reg.tim)" = 3 ]
}
