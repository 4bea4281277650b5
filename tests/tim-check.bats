#!/usr/bin/env bats
# tim-check: tree rules, report formats, baselines, exit statuses, --unmarked,
# ledger, selfcheck and host. Fixture trees are built here, marked with the
# tim-mark of this build.

load test_helper

policy() {
	cat > .timcheck <<'EOF'
[zone "confidential"]
path = confidential/**
controlled = yes
min-level = 社外秘

[zone "public"]
path = public/**
forbid-marked = yes
EOF
}

# One file per rule, plus a clean one.
tree() {
	policy
	mkdir -p confidential public docs
	echo plan > confidential/plan.txt
	echo ok > confidential/ok.txt
	tim-mark -q -l 社外秘 confidential/ok.txt
	echo low > confidential/low.txt
	tim-mark -q -l 社内限 confidential/low.txt
	echo pub > public/leak.txt
	tim-mark -q -l 極秘 public/leak.txt
	printf 'hello\nthis is 社外秘 data\n' > docs/notes.txt
	echo clean > docs/readme.txt
}

json_field() {	# file, python expression over `d` (the parsed document)
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

@test "help and usage errors" {
	run tim-check -h
	assert_success
	assert_output --partial "usage: tim-check [repo]"
	run tim-check --bogus
	assert_failure 2
	assert_output --partial "unknown option '--bogus'"
	run tim-check --format xml
	assert_failure 2
	assert_output --partial "unknown format 'xml'"
	run tim-check -0
	assert_failure 2
	run tim-check --fail-on loud
	assert_failure 2
	run tim-check host extra
	assert_failure 2
}

@test "a clean tree exits 0" {
	policy
	mkdir -p confidential docs
	echo ok > confidential/a.txt
	tim-mark -q -l 極秘 confidential/a.txt
	echo hi > docs/b.txt
	run tim-check
	assert_success
	assert_output --partial "files checked: 2; errors: 0, warnings: 0, notes: 0"
}

@test "every tree rule reports its file, rule id and clause" {
	tree
	run tim-check
	assert_failure 1
	assert_output --partial "unmarked-controlled [error]"
	assert_output --partial "confidential/plan.txt: not marked"
	assert_output --partial "marked-in-forbidden-zone [error]"
	assert_output --partial "public/【極秘】leak.txt: marked 極秘"
	assert_output --partial "label-below-minimum [error]"
	assert_output --partial "confidential/【社内限】low.txt: marked 社内限; the zone needs at least 社外秘"
	assert_output --partial "unmarked-label-word [warning]"
	assert_output --partial "docs/notes.txt:2: the content says '社外秘'"
	assert_output --partial "告示 I 第二 1"
	refute_output --partial "ok.txt"
	refute_output --partial "readme.txt"
}

@test "carriers that disagree" {
	echo x > a.txt
	tim-mark -q -l 社外秘 a.txt
	setfattr -n user.tim.label -v 極秘 【社外秘】a.txt 2>/dev/null ||
		skip "the filesystem keeps no user xattrs"
	run tim-check
	assert_failure 1
	assert_output --partial "carriers-disagree [warning]"
	assert_output --partial "carriers disagree: name=社外秘 xattr=極秘 text=社外秘"
}

@test "unsealed controlled file in an outbound folder; a CMS envelope passes" {
	cat > .timcheck <<'EOF'
[zone "outbox"]
path = outbox/
outbound = yes
controlled = yes
carriers = name
EOF
	mkdir outbox
	echo plain > outbox/【社外秘】plan.txt
	printf '\x30\x82\x01\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x82' > outbox/【社外秘】sealed.p7m
	printf '\x30\x80\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x17\xa0\x80' > outbox/【社外秘】gcm.p7m
	echo fake > outbox/【社外秘】fake.p7m
	run tim-check
	assert_failure 1
	assert_output --partial "outbox/【社外秘】plan.txt: controlled and not sealed"
	assert_output --partial "outbox/【社外秘】fake.p7m: controlled and not sealed"
	refute_output --partial "sealed.p7m"
	refute_output --partial "gcm.p7m"
}

@test "a label word inside a docx, split over runs" {
	python3 "$BATS_TEST_DIRNAME/fixtures/office.py" make docx plain.docx
	python3 - <<'EOF2'
import zipfile
with zipfile.ZipFile("plain.docx") as src, zipfile.ZipFile("report.docx", "w", zipfile.ZIP_DEFLATED) as dst:
    for i in src.infolist():
        data = src.read(i.filename)
        if i.filename == "word/document.xml":
            data = data.replace("本文 body".encode(), "社外</w:t></w:r><w:r><w:t>秘".encode())
        dst.writestr(i, data)
EOF2
	run tim-check
	assert_failure 1
	assert_output --partial "report.docx: the content says '社外秘'"
	refute_output --partial "plain.docx"
	tim-mark -q -l 社外秘 --carriers content report.docx
	run tim-check
	assert_success
}

@test "ledger rule: a policy ledger that fails verification" {
	tim-ledger init --origin test reg.tim
	tim-ledger append --no-sync reg.tim note text=one
	tim-ledger append --no-sync reg.tim note text=two
	printf '[check]\nledgers = reg.tim\n' > .timcheck
	run tim-check
	assert_success
	sed -i 's/one/ONE/' reg.tim
	run tim-check
	assert_failure 1
	assert_output --partial "ledger-invalid [error]"
	assert_output --partial "reg.tim:2: ledger does not verify"
}

@test "json lines carry rule, clause, severity, path and fingerprint" {
	tree
	run tim-check --format json
	assert_failure 1
	echo "$output" > out.jsonl
	run python3 -c '
import json
rows = [json.loads(l) for l in open("out.jsonl")]
assert len(rows) == 4, rows
for r in rows:
    assert set(["rule", "clause", "severity", "path", "message", "fingerprint"]) <= set(r), r
    assert len(r["fingerprint"]) == 64
print(sorted(r["rule"] for r in rows))'
	assert_success
	assert_output "['label-below-minimum', 'marked-in-forbidden-zone', 'unmarked-controlled', 'unmarked-label-word']"
	run tim-check --json
	assert_failure 1
	assert_line --index 0 --partial '"rule":"unmarked-controlled"'
}

@test "SARIF 2.1.0 has what code scanning needs" {
	tree
	run tim-check --format sarif -o out.sarif
	assert_failure 1
	assert_output ""
	run python3 -c '
import json
d = json.load(open("out.sarif"))
assert d["version"] == "2.1.0" and "sarif-2.1.0" in d["$schema"]
run = d["runs"][0]
drv = run["tool"]["driver"]
assert drv["name"] == "tim-check" and drv["version"]
ids = [r["id"] for r in drv["rules"]]
for r in drv["rules"]:
    assert r["help"]["text"] and r["shortDescription"]["text"] and r["properties"]["clause"]
    assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
for res in run["results"]:
    assert res["ruleId"] in ids and ids[res["ruleIndex"]] == res["ruleId"]
    assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert not loc["artifactLocation"]["uri"].startswith("/")
    assert loc["region"]["startLine"] >= 1
    assert len(res["partialFingerprints"]["timFingerprint/v1"]) == 64
print(len(run["results"]), sorted(r["artifactLocation"]["uri"] for x in run["results"] for r in [x["locations"][0]["physicalLocation"]])[0])'
	assert_success
	assert_output "4 confidential/%E3%80%90%E7%A4%BE%E5%86%85%E9%99%90%E3%80%91low.txt"
}

@test "JUnit XML passes xmllint, one testcase per rule" {
	tree
	run tim-check --format junit -o out.xml
	assert_failure 1
	run xmllint --noout out.xml
	assert_success
	run xmllint --xpath 'count(//testcase)' out.xml
	assert_output "7"
	run xmllint --xpath 'count(//testcase/failure)' out.xml
	assert_output "4"
	run xmllint --xpath 'string(//testsuite/@failures)' out.xml
	assert_output "4"
}

@test "baseline accepts known findings, new ones still fail" {
	tree
	run tim-check --update-baseline base.json
	assert_failure 1
	run json_field base.json 'len(d["fingerprints"])'
	assert_output "4"
	run tim-check --baseline base.json
	assert_success
	assert_output --partial "accepted by the baseline: 4"
	echo new > confidential/new.txt
	run tim-check --baseline base.json
	assert_failure 1
	assert_output --partial "confidential/new.txt"
	refute_output --partial "plan.txt"
	echo '{"fingerprints": [42]}' > bad.json
	run tim-check --baseline bad.json
	assert_failure 3
}

@test "--fail-on decides which severity fails" {
	printf 'a CONFIDENTIAL memo\n' > memo.txt
	run tim-check
	assert_failure 1
	run tim-check --fail-on error
	assert_success
	assert_output --partial "unmarked-label-word"
	run tim-check --fail-on none
	assert_success
	run tim-check --fail-on warning
	assert_failure 1
}

@test "policy: rule severity, label words, excludes and .timcheckignore" {
	mkdir -p build tmp
	printf 'MEMO 極秘\n' > a.txt
	printf '社外秘\n' > build/b.txt
	printf '社外秘\n' > tmp/c.txt
	printf 'SECRET plan\n' > d.txt
	cat > .timcheck <<'EOF'
[check]
label-words = SECRET, 極秘
exclude = build/

[rule "unmarked-label-word"]
severity = error
EOF
	echo 'tmp/' > .timcheckignore
	run tim-check --format json
	assert_failure 1
	assert_output --partial '"path":"a.txt"'
	assert_output --partial '"path":"d.txt"'
	assert_output --partial '"severity":"error"'
	refute_output --partial 'build/'
	refute_output --partial 'tmp/'
	printf '[rule "unmarked-label-word"]\nenabled = no\n' > .timcheck
	run tim-check
	assert_success
}

@test "policy errors are usage errors naming the line" {
	printf '[zone "x"]\npath = a/\ncolour = red\n' > .timcheck
	run tim-check
	assert_failure 2
	assert_output --partial "line 3"
	assert_output --partial "unknown key 'colour'"
	printf '[zone "x"]\npath = a/\nmin-level = 最高機密\n' > .timcheck
	run tim-check
	assert_failure 2
	assert_output --partial "min-level '最高機密' is not a level"
	printf '[rule "nope"]\nseverity = note\n' > .timcheck
	run tim-check
	assert_failure 2
}

@test "--unmarked -0 feeds tim-mark, then nothing is left" {
	policy
	mkdir -p confidential/sub docs
	echo a > 'confidential/with space.txt'
	echo b > confidential/sub/b.md
	echo c > confidential/done.txt
	tim-mark -q -l 社外秘 confidential/done.txt
	echo d > docs/free.txt
	run tim-check --unmarked confidential/
	assert_success
	assert_output "confidential/sub/b.md
confidential/with space.txt"
	tim-check --unmarked -0 confidential/ | xargs -0 tim-mark -q -l 社外秘
	run tim-check --unmarked confidential/
	assert_success
	assert_output ""
	run tim-check
	assert_success
}

@test "--unmarked without a policy lists every unmarked file" {
	echo a > a.txt
	echo b > b.txt
	tim-mark -q -l 社外秘 b.txt
	run tim-check --unmarked .
	assert_success
	assert_output "a.txt"
}

@test "symlinks are never followed, in or out of the tree" {
	policy
	mkdir -p confidential outside
	printf '社外秘 outside\n' > outside/secret.txt
	ln -s "$PWD/outside" confidential/linkdir
	ln -s /etc/passwd confidential/passwd
	mkdir repo && mv .timcheck confidential repo/
	cd repo
	run tim-check
	assert_success
	refute_output --partial "secret"
	refute_output --partial "passwd"
	run tim-check --unmarked confidential/passwd
	assert_failure 3
	assert_output --partial "not following it"
}

@test "names that are not UTF-8 are escaped in text, JSON and SARIF" {
	printf '社外秘\n' > "$(printf 'bad\377name.txt')"
	run tim-check
	assert_failure 1
	assert_output --partial 'bad\xffname.txt:1:'
	run tim-check --format json
	assert_output --partial '"path":"bad\\xffname.txt"'
	assert_output --partial '"path_base64":"YmFk/25hbWUudHh0"'
	run tim-check --format sarif -o s.json
	assert_failure 1
	run json_field s.json 'd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]'
	assert_output "bad%FFname.txt"
	run tim-check --format junit -o j.xml
	assert_failure 1
	run xmllint --noout j.xml
	assert_success
}

@test "operands outside the tree are usage errors" {
	mkdir -p repo/docs
	touch repo/.timcheck
	cd repo/docs
	run tim-check . /etc
	assert_failure 2
	assert_output --partial "is not inside the tree"
}

@test "ledger: the engine of tim-ledger verify, exits 0/1/3" {
	tim-ledger init --origin test reg.tim
	tim-ledger append --no-sync reg.tim note text=one
	tim-ledger append --no-sync reg.tim note text=two
	run tim-check ledger reg.tim
	assert_success
	assert_output --partial "reg.tim: ok: 2 records"
	cp reg.tim bad.tim
	sed -i 's/one/ONE/' bad.tim
	run tim-check ledger reg.tim bad.tim
	assert_failure 1
	assert_output --partial "bad.tim: FAILED at line 2"
	run tim-check ledger missing.tim
	assert_failure 3
	run tim-check ledger
	assert_failure 2
}

@test "ledger: under [ledger] syslog = yes a failed verification goes to syslog (authpriv.alert)" {
	need_root
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	tim-ledger init --origin test reg.tim
	tim-ledger append --no-sync reg.tim note text=one
	tim-ledger append --no-sync reg.tim note text=two
	sed -i 's/one/ONE/' reg.tim
	printf '[ledger]\nsyslog = yes\n' > "$TIM_CONFIG"
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" got 1 tim-check ledger reg.tim
	assert_failure 1
	run cat got
	assert_output --regexp '^<81>.*tim-check\[[0-9]+\]: verify FAILED ledger=reg.tim line=2 offset=[0-9]+: '
}

answers() {
	for i in $(seq 1 19); do echo "$i yes 規程 v$i"; done > all-yes.txt
	printf '# partial answers\n1 yes 会議録\n2: partial\n3,no\n13 na\n' > some.txt
}

@test "selfcheck html: one page, the radar chart and all 19 items" {
	answers
	run tim-check selfcheck --answers some.txt --format html -o report.html --lang ja
	assert_failure 1
	run xmllint --noout report.html
	assert_success
	run grep -c '<svg' report.html
	assert_output "1"
	for i in $(seq 1 19); do grep -q "id=\"item-$i\"" report.html; done
	grep -q '経営者とともに、守るべき情報を特定している。' report.html
	grep -q '守るべき情報をクラウドサービスなどに保存するときは' report.html
	grep -q '基準告示 I 第二 1' report.html
	grep -q 'ルール作り' report.html
	run grep -Ec '(src|href)=' report.html
	assert_output "0"
	sed -n '/<svg/,/<\/svg>/p' report.html > chart.svg
	run xmllint --noout chart.svg
	assert_success
	run xmllint --xpath 'count(//*[local-name()="polygon"])' chart.svg
	assert_output "5"
}

@test "selfcheck json for machines, exit 0 only when every item is yes" {
	answers
	run tim-check selfcheck --answers all-yes.txt --format json
	assert_success
	echo "$output" > sc.json
	run json_field sc.json '(len(d["items"]), d["complete"], len(d["scores"]), d["items"][2]["clause"], d["scores"][0]["score"])'
	assert_output "(19, True, 8, '基準告示 I 第二 1', 100.0)"
	run tim-check selfcheck --answers some.txt --json
	assert_failure 1
	echo "$output" > sc.json
	run json_field sc.json '[i["answer"] for i in d["items"][:4]] + [d["items"][12]["answer"]]'
	assert_output "['yes', 'partial', 'no', 'unanswered', 'na']"
}

@test "selfcheck: Japanese by default, English with LANG=C" {
	answers
	run env -u LANG -u LC_ALL -u LC_MESSAGES tim-check selfcheck --answers some.txt
	assert_failure 1
	assert_output --partial " 1. [はい] 経営者とともに、守るべき情報を特定している。"
	assert_output --partial "分野別の達成度"
	run env LANG=C tim-check selfcheck --answers some.txt
	assert_output --partial " 1. [yes] Together with management"
	assert_output --partial "Score by category"
	run tim-check selfcheck --answers some.txt --lang ja
	assert_output --partial "[一部]"
}

@test "selfcheck answers: errors name the line; no answers and no terminal is a usage error" {
	printf '1 yes\n20 no\n' > bad.txt
	run tim-check selfcheck --answers bad.txt
	assert_failure 3
	assert_output --partial "line 2"
	printf '1 yes\n1 no\n' > dup.txt
	run tim-check selfcheck --answers dup.txt
	assert_failure 3
	assert_output --partial "answered twice"
	printf '4 maybe\n' > odd.txt
	run tim-check selfcheck --answers odd.txt
	assert_failure 3
	assert_output --partial "unknown answer 'maybe'"
	run tim-check selfcheck < /dev/null
	assert_failure 2
	assert_output --partial "needs --answers FILE"
}

@test "selfcheck shows what tim found beside the answers" {
	answers
	tim-ledger init --origin t reg.tim
	tim-ledger append --no-sync reg.tim note text=x
	policy
	mkdir confidential
	echo a > confidential/a.txt
	run env LANG=C tim-check selfcheck --answers all-yes.txt --ledger reg.tim --repo .
	assert_failure 1
	assert_output --partial "ledger reg.tim verifies (1 records)"
	assert_output --partial "!! repo .: 1 findings"
}

@test "host: every result is pass, fail or unknown, never a crash" {
	run tim-check host --format json
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	echo "$output" > host.jsonl
	run python3 -c '
import json
rows = [json.loads(l) for l in open("host.jsonl")]
assert len(rows) == 11
for r in rows:
    assert r["status"] in ("pass", "fail", "unknown"), r
    assert r["clause"].startswith("告示") and r["id"] and r["evidence"]
print(" ".join(r["id"] for r in rows))'
	assert_success
	assert_output "firewall time-sync audit-log audit-retention usb-storage anonymous-services idle-logout password-policy auto-updates disk-encryption ledger"
	run tim-check host --format junit -o host.xml
	# The host decides pass or fail; the status must say what the file says.
	if grep -q 'failures="0"' host.xml; then assert_success; else assert_failure 1; fi
	run xmllint --noout host.xml
	assert_success
	run tim-check host --format sarif
	assert_failure 2
}

@test "host: files under --root decide pass and fail" {
	mkdir -p h/etc/profile.d h/etc/modprobe.d h/etc/pam.d h/proc/net h/etc/systemd
	echo 'readonly TMOUT=900' > h/etc/profile.d/tmout.sh
	echo 'install usb-storage /bin/false' > h/etc/modprobe.d/usb.conf
	printf 'PASS_MAX_DAYS\t90\n' > h/etc/login.defs
	echo 'password requisite pam_pwquality.so retry=3' > h/etc/pam.d/common-password
	printf '[Journal]\nMaxRetentionSec=1month\n' > h/etc/systemd/journald.conf
	cat > h/proc/net/tcp <<'EOF'
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0015 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
EOF
	tim-ledger init --origin t reg.tim
	run tim-check host --root h --ledger reg.tim --json
	assert_failure 1
	assert_line --partial '"id":"idle-logout","clause":"告示 V 第一 42","title":"idle sessions are locked or logged out","status":"pass"'
	assert_line --partial '"id":"usb-storage","clause":"告示 V 第一 21","title":"USB storage is disabled","status":"pass"'
	assert_line --partial '"id":"password-policy"'
	assert_output --partial '"status":"pass","evidence":"quality check pam_pwquality/cracklib, reuse prevention missing, PASS_MAX_DAYS 90"'
	assert_output --partial '"evidence":"journald.conf MaxRetentionSec=1month is under three months"'
	assert_output --partial '"evidence":"telnet (23/tcp) listening"'
	assert_line --partial '"id":"ledger","clause":"告示 I 第四 1","title":"the ledger is present and verifies","status":"pass"'
	run tim-check host --root h
	assert_failure 1
	assert_output --regexp "fail +anonymous-services +告示 V 第一 8 +no anonymous network service"
}

@test "messages in Japanese under a ja_JP locale" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "the ja_JP.UTF-8 locale is not installed"
	policy
	mkdir confidential
	echo a > confidential/a.txt
	run env LANG=ja_JP.UTF-8 tim-check
	assert_failure 1
	assert_output --partial "confidential/a.txt: 管理対象の区域にありますが、表示がありません"
	assert_output --partial "エラー: 1"
}

@test "a folder label marks what lies below it" {
	printf '[zone "c"]\npath = confidential/\ncontrolled = yes\nmin-level = 極秘\n' > .timcheck
	mkdir -p confidential/sub
	echo a > confidential/sub/a.txt
	run tim-check --unmarked .
	assert_output "confidential/sub/a.txt"
	tim-mark -q -l 社外秘 --carriers folder confidential
	run tim-check --unmarked .
	assert_success
	assert_output ""
	run tim-check
	assert_failure 1
	assert_output --partial "confidential/sub/a.txt: marked 社外秘; the zone needs at least 極秘"
	printf '[zone "c"]\npath = confidential/\ncontrolled = yes\ncarriers = name\n' > .timcheck
	run tim-check
	assert_failure 1
	assert_output --partial "confidential/sub/a.txt: not marked"
}
