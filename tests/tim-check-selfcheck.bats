#!/usr/bin/env bats
# tim-check host and selfcheck as a Japanese company reads them: Japanese
# under a Japanese locale, aligned columns, local times with their offset,
# and a self-check report that prints on one A4 page in headless Chromium.

load test_helper

ja_locale() {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf-\?8' || skip "the ja_JP.UTF-8 locale is not installed"
}

# A host tree under --root: some checks pass, some fail.
host_tree() {
	mkdir -p h/etc/profile.d h/etc/modprobe.d h/etc/pam.d h/proc/net h/etc/systemd
	echo 'readonly TMOUT=900' > h/etc/profile.d/tmout.sh
	echo 'install usb-storage /bin/false' > h/etc/modprobe.d/usb.conf
	printf 'PASS_MAX_DAYS\t90\n' > h/etc/login.defs
	echo 'password requisite pam_pwquality.so retry=3' > h/etc/pam.d/common-password
	printf '[Journal]\nMaxRetentionSec=1month\n' > h/etc/systemd/journald.conf
	cat > h/proc/net/tcp <<'TCP'
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
TCP
}

# The display column (East Asian wide = 2) where the text after the third
# run of blanks starts, for each check row of `tim-check host` output.
title_columns() {
	python3 -c '
import re, sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith(" "):
        continue
    m = re.match(r"^(\S+ +)(\S+ +)(告示 .*?  +)", line)
    if m:
        print(w(m.group(1)), w(m.group(1) + m.group(2)), w(m.group(0)))' "$1" | sort -u
}

@test "host: Japanese under ja_JP, evidence too, columns aligned by display width" {
	ja_locale
	host_tree
	LANG=ja_JP.UTF-8 TZ=Asia/Tokyo run tim-check host --root h
	assert_failure 1
	echo "$output" > host.txt
	assert_line --index 0 --regexp '^ホスト .+ の点検 \(20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8}\+09:00\)$'
	assert_line --regexp '^結果 +点検項目 +条項 +確認する内容$'
	assert_line --regexp '^不適合 +anonymous-services +告示 V 第一 8 +匿名で接続できるサービスがない$'
	assert_line --regexp '^ +telnet \(23/tcp\) が待ち受けています$'
	assert_line --regexp '^ +journald.conf の MaxRetentionSec=1month は 3 か月未満です$'
	assert_line --regexp '^ +/etc/profile.d/tmout.sh で TMOUT=900$'
	assert_line --regexp '^ +ルールセットは実行中のホストでのみ読み取ります$'
	assert_output --regexp '適合 [0-9]+、不適合 [0-9]+、不明 [0-9]+$'
	refute_output --partial "listening"
	# every row starts its id, clause and title at the same columns, on the
	# row with the widest clause ("告示 V 第二 6、V 第二 7") too
	run title_columns host.txt
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "columns differ between rows: $output"
	# -q, for cron: the failed checks alone, no header, no counts
	LANG=ja_JP.UTF-8 run tim-check host --root h -q
	assert_failure 1
	assert_line --index 0 --regexp '^不適合 +audit-retention +告示 V 第一 33 '
	assert_line --index 2 --regexp '^不適合 +anonymous-services +告示 V 第一 8 '
	[ "${#lines[@]}" -eq 4 ] || fail "more than the failed checks: $output"
		# the JSON stays the machine's: status words and ids in English
	LANG=ja_JP.UTF-8 run tim-check host --root h --json
	assert_line --partial '"id":"anonymous-services","clause":"告示 V 第一 8","title":"匿名で接続できるサービスがない","status":"fail","evidence":"telnet (23/tcp) が待ち受けています"'
}

@test "host: a firewall tool that is not installed is not called a permission problem" {
	run tim-check host
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	refute_output --partial "need root"
	if ! [ -x /usr/sbin/nft ] && ! [ -x /usr/bin/nft ] && ! [ -x /sbin/nft ] && ! [ -x /bin/nft ] &&
	    ! [ -x /usr/sbin/iptables ] && ! [ -x /usr/bin/iptables ] && ! [ -x /sbin/iptables ] &&
	    ! [ -x /bin/iptables ] && ! [ -e /etc/ufw/ufw.conf ]; then
		assert_output --partial "neither nft nor iptables is installed, so no ruleset can be read"
	else
		refute_output --partial "neither nft nor iptables is installed"
	fi
}

answers_files() {
	for i in $(seq 1 19); do
		case $i in 3|8) a=partial ;; 13) a=na ;; 16) a=no ;; *) a=yes ;; esac
		echo "$i $a 情報管理規程 第${i}条、教育記録 2026 年度"
	done > this.txt
	printf '1 yes\n2 partial\n3 no\n4 no\n5 yes\n6 partial\n7 no\n8 no\n9 yes\n10 no\n11 yes\n12 partial\n13 na\n14 no\n15 no\n16 no\n17 partial\n18 partial\n19 no\n' > last.txt
}

# Where the renders stay after the run, for people to look at.
artefacts() {
	A=${TIM_ARTEFACTS:-${TIM_BUILD:-$BATS_TEST_TMPDIR}/artefacts}/selfcheck
	mkdir -p "$A"
}

@test "selfcheck html: one A4 page in headless Chromium, with organisation, respondent, date, seals and last year's scores" {
	need_chromium
	artefacts
	answers_files
	tim-ledger init --origin t reg.tim
	tim-ledger append --no-sync reg.tim note text=x
	mkdir -p tree/confidential
	printf '[zone "c"]\npath = confidential/**\ncontrolled = yes\n' > tree/.timcheck
	echo a > tree/confidential/a.txt
	LANG=ja_JP.UTF-8 run --separate-stderr tim-check selfcheck --answers last.txt --json -o last.json
	assert_failure 1
	# every kind of evidence, so the page is as full as it gets
	LANG=ja_JP.UTF-8 TZ=Asia/Tokyo run --separate-stderr tim-check selfcheck --answers this.txt \
	    --format html -o "$A/report-ja.html" --org 株式会社サンプル精機 \
	    --respondent "情報管理責任者 山田 太郎" --previous last.json --repo tree --ledger reg.tim --host
	assert_failure 1
	[ "$stderr" = "tim-check: 自己チェックの結果を '$A/report-ja.html' に書き出しました" ] || fail "stderr: $stderr"
	LANG=C.UTF-8 run --separate-stderr tim-check selfcheck --answers this.txt --lang en \
	    --format html -o "$A/report-en.html" --org "Sample Seiki Co., Ltd." --respondent "Taro Yamada" \
	    --previous last.json --repo tree --ledger reg.tim --host
	assert_failure 1
	for l in ja en; do
		chromium_render "$A/report-$l.html" || fail "chromium did not render report-$l.html"
		run pdfinfo "$A/report-$l.pdf"
		assert_line --regexp '^Pages: +1$'
		assert_line --regexp '^Page size: +59[45](\.[0-9]+)? x 84[12](\.[0-9]+)? pts \(A4\)$'
		pdftotext -layout "$A/report-$l.pdf" "$A/report-$l.txt"
		pdftoppm -r 60 -png -singlefile "$A/report-$l.pdf" "$A/report-$l-page"
		[ -s "$A/report-$l-page.png" ]
		# the screenshot is the A4 window's, taken of a page that rendered
		run file "$A/report-$l.png"
		assert_output --partial "PNG image data, 1240 x 1754"
	done
	run cat "$A/report-ja.txt"
	assert_output --partial "技術情報管理 自己チェック結果"
	assert_output --regexp "組織名 +株式会社サンプル精機 +回答者 +情報管理責任者 山田 太郎"
	assert_output --regexp "回答日 +20[0-9]{2}-[0-9]{2}-[0-9]{2} +作成 +20[0-9-]{8} [0-9:]{8}\+09:00"
	assert_output --regexp "前回 \(20[0-9]{2}-[0-9]{2}-[0-9]{2}\) +増減"
	assert_output --regexp "ルール作り +100% +50% +\+50"
	assert_output --regexp "回答者 +管理者 +経営者"
	assert_output --partial "印"
	assert_output --partial "守るべき情報をクラウドサービスなどに保存するときは"
	assert_output --partial "tim の確認: リポジトリ tree: 指摘 1 件"
	assert_output --partial "未回答の項目はありません"
	refute_output --partial "Z,"
	run cat "$A/report-en.txt"
	assert_output --regexp "Organisation +Sample Seiki Co., Ltd. +Respondent +Taro Yamada"
	assert_output --regexp "Respondent +Manager +Management"
	assert_output --partial "Cloud services storing information to protect"
}

@test "selfcheck: --answers - reads stdin; unanswered items are listed, and --strict makes them an error" {
	LANG=ja_JP.UTF-8 run --separate-stderr tim-check selfcheck --answers - --json <<< $'1 yes\n2 no 規程なし'
	assert_failure 1
	echo "$output" > sc.json
	run python3 -c 'import json; d=json.load(open("sc.json")); print(d["items"][0]["answer"], d["items"][1]["note"], d["unanswered"][:3], len(d["unanswered"]), d["time"][-1])'
	assert_output "yes 規程なし [3, 4, 5] 17 Z"
	LANG=ja_JP.UTF-8 run tim-check selfcheck --answers - <<< '1 yes'
	assert_failure 1
	assert_line "未回答の項目: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19"
	LANG=ja_JP.UTF-8 run --separate-stderr tim-check selfcheck --answers - -o r.txt <<< '1 yes'
	assert_failure 1
	assert_equal "$stderr" "tim-check: 未回答の項目が 18 件あります: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19
tim-check: 自己チェックの結果を 'r.txt' に書き出しました"
	rm r.txt
	LANG=ja_JP.UTF-8 run --separate-stderr tim-check selfcheck --answers - --strict -o r.txt <<< '1 yes'
	assert_failure 3
	assert_equal "$stderr" "tim-check: 未回答の項目が 18 件あります: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 (--strict)。結果は書き出していません"
	assert_file_not_exists r.txt
	run tim-check selfcheck --answers - --strict < <(for i in $(seq 1 19); do echo "$i yes"; done)
	assert_success
	run tim-check selfcheck --answers - <<< '1 maybe'
	assert_failure 3
	assert_output --partial "'standard input' line 1: unknown answer 'maybe'"
	run tim-check selfcheck --answers - --ask < /dev/null
	assert_failure 2
}

@test "selfcheck --previous: last year's scores and answers beside this year's; a file that is not a report is refused" {
	answers_files
	tim-check selfcheck --answers last.txt --json > last.json || true
	LANG=ja_JP.UTF-8 TZ=Asia/Tokyo run tim-check selfcheck --answers this.txt --previous last.json --org 株式会社サンプル精機
	assert_failure 1
	assert_line --regexp '^組織名: 株式会社サンプル精機$'
	assert_line --regexp '^作成: 20[0-9-]{8} [0-9:]{8}\+09:00、ホスト .+、tim .+$'
	assert_line --regexp '^分野別の達成度 \(今回 / 前回 20[0-9-]{8} / 増減\)$'
	assert_line --regexp '^  ルール作り +100% +50% +\+50$'
	assert_line '    前回: いいえ'
	run tim-check selfcheck --answers this.txt --previous last.json --json
	echo "$output" > now.json
	run python3 -c 'import json; d=json.load(open("now.json")); print(d["previous"]["scores"][0], len(d["previous"]["scores"]))'
	assert_output "50.0 8"
	echo '{"tim":"ledger"}' > bogus.json
	run tim-check selfcheck --answers this.txt --previous bogus.json
	assert_failure 3
	assert_output --partial "'bogus.json' is not a self-check report"
	echo 'not json' > bad.json
	run tim-check selfcheck --answers this.txt --previous bad.json
	assert_failure 3
	assert_output --partial "'bad.json' is not a self-check report: line 1"
	run tim-check selfcheck --answers this.txt --previous missing.json
	assert_failure 3
}

# Drives tim-check on a pseudo-terminal, as a person at the keyboard would.
on_tty() {	# input, command...: prints what the terminal showed; exits with its status
	python3 - "$@" <<'PY'
import os, pty, signal, sys
data = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
# a prompt that waits for ever fails the test instead of hanging it
signal.signal(signal.SIGALRM, lambda *a: os.kill(pid, signal.SIGKILL))
signal.alarm(30)
os.write(fd, data)
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
}

@test "selfcheck on a terminal: says why an answer is invalid, goes back, starts from an earlier answers file, saves the answers" {
	ja_locale
	answers_files
	# maybe: refused with the reason; y: item 1; b: back to 1; Enter keeps it;
	# p: item 2; s: skips 3; q: stops, items 4-19 keep last year's answers
	LANG=ja_JP.UTF-8 run on_tty $'maybe\ny 規程 第1条\nb\n\np\ns\nq\n' tim-check selfcheck \
	    --answers last.txt --ask --save-answers next.txt -o report.txt
	assert_failure 1
	assert_output --partial "'maybe' は回答として使えません。y (はい)、p (一部)、n (いいえ)、na (該当なし) のいずれかで答えてください"
	assert_output --partial " 1/19. 経営者とともに"
	assert_output --partial "今の回答: はい 規程 第1条"
	assert_output --partial "tim-check: 回答を 'next.txt' に保存しました (次回は --answers next.txt で始められます)"
	assert_output --partial "tim-check: 未回答の項目が 1 件あります: 3"
	assert_output --partial "tim-check: 自己チェックの結果を 'report.txt' に書き出しました"
	run grep -v '^# tim-check selfcheck --answers:' next.txt
	assert_line --index 1 "1 yes 規程 第1条"
	assert_line --index 2 "2 partial"
	assert_line --index 3 "# 3 unanswered"
	assert_line --index 4 "4 no"
	assert_line --index 19 "19 no"
	# the saved file is next time's --answers
	run tim-check selfcheck --answers next.txt --json
	assert_failure 1
	echo "$output" > n.json
	run python3 -c 'import json; d=json.load(open("n.json")); print([i["answer"] for i in d["items"][:4]], d["items"][0]["note"])'
	assert_output "['yes', 'partial', 'unanswered', 'no'] 規程 第1条"
	# b on the first item says there is nothing before it; EOF ends the answers
	LANG=ja_JP.UTF-8 run on_tty $'b\n\x04' tim-check selfcheck -o r2.txt
	assert_output --partial "最初の項目です。これより前には戻れません"
	assert_output --partial "未回答の項目が 19 件あります"
}
