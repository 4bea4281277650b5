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
	assert_line --regexp '^ +journald.conf の MaxRetentionSec=1month は三月未満です$'
	assert_line --regexp '^ +/etc/profile.d/tmout.sh で TMOUT=900$'
	assert_line --regexp '^ +ルールセットは実行中のホストでのみ読み取ります$'
	assert_output --regexp '適合 [0-9]+、不適合 [0-9]+、不明 [0-9]+$'
	refute_output --partial "listening"
	# every row starts its id, clause and title at the same columns, on the
	# row with the widest clause ("告示 V 第二 6、V 第二 7") too
	run title_columns host.txt
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "columns differ between rows: $output"
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
