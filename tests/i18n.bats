#!/usr/bin/env bats
# Every message of every tool has a Japanese translation (issue 7), and the
# tools speak Japanese under LANG=ja_JP.UTF-8.
load test_helper

@test "the Japanese catalogues together translate every message of libtim and cmd" {
	command -v xgettext >/dev/null || skip "gettext is not installed"
	xgettext --from-code=UTF-8 -k_ -kN_ -o all.pot "$TIM_SRC"/libtim/*.c "$TIM_SRC"/cmd/*.c
	# in the Makefile's order: po/ja.po first, its wording wins
	msgcat --use-first "$TIM_SRC"/po/ja.po $(ls "$TIM_SRC"/po/*.po | grep -v '/ja\.po$') -o all.po
	msgmerge -q all.po all.pot -o merged.po
	run msgfmt --check-format --statistics -o /dev/null merged.po
	assert_success
	assert_output --regexp '^[0-9]+ translated messages\.$'
	# and the check can fail: drop one translation
	msgattrib --no-obsolete merged.po | awk 'BEGIN{n=0} /^msgstr "..*"$/ && n==0 && NR>20 {print "msgstr \"\""; n=1; next} {print}' > less.po
	run msgfmt --statistics -o /dev/null less.po
	assert_output --partial "1 untranslated message"
}

@test "every tool answers a usage error in Japanese under LANG=ja_JP.UTF-8" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf-\?8' || skip "the ja_JP.UTF-8 locale is not installed"
	for t in tim-ledger tim-mark tim-seal tim-wipe tim-check; do
		LANG=ja_JP.UTF-8 run --separate-stderr "$t" --no-such-option
		assert_failure 2
		[[ $stderr == *"$t"* ]]
		# Japanese text: a byte above 0x7f in the message
		[[ $stderr == *[$'\xe3'-$'\xe9']* ]] || fail "$t: not Japanese: $stderr"
	done
}

@test "Japanese messages keep no English words, only names, values, options, formats and units" {
	command -v msgcat >/dev/null || skip "gettext is not installed"
	run sh -c 'msgcat --no-wrap --use-first "$TIM_SRC"/po/ja.po "$TIM_SRC"/po/*.po | python3 "$TIM_SRC"/tests/lib/ja-words.py'
	assert_success
	assert_output ""
	# and the check can fail: issue 17's tim-wipe line, English words inside
	cat > en.po <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "%s '%s': %s written, verification %s: %s"
msgstr "complete '%s': %s 書き込み、検証 %s: passed"

msgid "would erase '%s'"
msgstr "'%s' を消去します (dry run)"
PO
	run sh -c 'msgcat --no-wrap en.po | python3 "$TIM_SRC"/tests/lib/ja-words.py'
	assert_failure 1
	assert_line "  English: complete, passed"
	assert_line "  English: dry, run"
}

@test "tim-wipe and tim-mark under ja_JP: results, dry runs and -v reasons read as Japanese" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf-\?8' || skip "the ja_JP.UTF-8 locale is not installed"
	echo hello > a.txt
	echo x > b.txt
	LANG=ja_JP.UTF-8 run tim-wipe -y a.txt
	assert_success
	assert_output "消去完了 'a.txt': 6 B を書き込み、方式 clear（上書き: random）、検証（全数）: 合格"
	LANG=ja_JP.UTF-8 run tim-wipe -n -m dod b.txt
	assert_success
	assert_output "ファイル 'b.txt'（2 B）を消去する予定です: 方式 dod（上書き: 0x00,0xff,random）、検証（最終回のみ）、その後に名前変更・切り詰め・削除"
	assert_file_exists b.txt
	LANG=ja_JP.UTF-8 run tim-wipe --verify off -y b.txt
	assert_output "消去完了 'b.txt': 2 B を書き込み、方式 clear（上書き: random）、検証（なし）: 検証なし"
	printf '{"a":1}\n' > j.json
	LANG=ja_JP.UTF-8 run tim-mark -v --carriers name,content j.json
	assert_success
	assert_line "tim-mark: 'j.json': 中には表示しません (コメントの書き方が分からない種類のテキストのため)。表示は名前と属性だけにあります"
	LANG=ja_JP.UTF-8 run tim-mark -n -l 極秘 --force 【社外秘】j.json
	assert_output "'【極秘】j.json' に 【極秘】 の表示を付ける予定です (name, xattr)"
	assert_file_exists 【社外秘】j.json
}
