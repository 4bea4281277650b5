#!/usr/bin/env bats
# The manual pages say what tim-ledger does: its commands, options, kinds and
# exit statuses match the program, and the Japanese catalogue covers every
# message. (mandoc -Tlint runs in tests/run.)

load test_helper

MAN="$BATS_TEST_DIRNAME/../man"
SRC="$BATS_TEST_DIRNAME/.."

# The text of a section of a rendered page.
section() {
	mandoc -Tutf8 "$1" | col -bx | sed -n "/^$2\$/,/^[A-Z][A-Z ]*\$/p"
}

@test "tim-ledger(1) SYNOPSIS has every command of tim-ledger --help" {
	run tim-ledger --help
	assert_success
	syn=$(section "$MAN/tim-ledger.1" SYNOPSIS)
	for sub in $(printf '%s\n' "$output" | sed -n 's/^.*tim-ledger \([a-z]*\).*$/\1/p' | sort -u); do
		grep -q "tim-ledger $sub" <<<"$syn" || { echo "not in SYNOPSIS: $sub"; false; }
	done
}

@test "tim-ledger(1) documents every long option of the program" {
	opts=$(sed -n '/longopts\[\] = {/,/TIM_CLI_LONGOPTS/s/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' \
	    "$SRC/cmd/tim-ledger.c")
	[ -n "$opts" ]
	page=$(mandoc -Tutf8 "$MAN/tim-ledger.1" | col -bx)
	for o in $opts help json quiet verbose version; do
		grep -q -- "--$o" <<<"$page" || { echo "undocumented: --$o"; false; }
	done
}

@test "tim-ledger(5) lists every kind with its required fields" {
	page=$(section "$MAN/tim-ledger.5" DESCRIPTION)
	while read -r kind fields; do
		want=$(printf '%s' "$fields" | cut -f1 | sed 's/= */, /g; s/, $//')
		grep -Eq "^ +$kind +$want +[IV]" <<<"$page" ||
			{ echo "kind $kind ($want) not in tim-ledger(5)"; false; }
	done < <(tim-ledger kinds)
}

@test "every EXIT STATUS section names 0 to 3" {
	for m in "$MAN"/tim.7 "$MAN"/tim-ledger.1; do
		text=$(section "$m" "EXIT STATUS")
		for st in 0 1 2 3; do
			grep -Eq "^ +$st " <<<"$text" || { echo "$m: no status $st"; false; }
		done
	done
}

@test "the exit statuses of tim(7) are those of cmd/cli.h" {
	for st in OK:0 FAIL:1 USAGE:2 ERROR:3; do
		grep -Eq "#define TIM_EXIT_${st%:*}[[:space:]]+${st#*:}" "$SRC/cmd/cli.h"
	done
}

@test "po/ja.po translates every message of libtim and cmd" {
	command -v xgettext >/dev/null || skip "xgettext is not installed"
	xgettext --from-code=UTF-8 -k_ -kN_ -o tim.pot "$SRC"/libtim/*.c "$SRC"/cmd/*.c
	msgcat --use-first "$SRC"/po/*.po > all.po
	msgmerge -q --no-fuzzy-matching all.po tim.pot -o merged.po
	run msgattrib --untranslated --no-obsolete merged.po
	assert_success
	# Only the header may be left.
	[ "$(grep -c '^msgid ' <<<"$output")" -le 1 ] ||
		{ echo "untranslated:"; grep '^msgid ' <<<"$output"; false; }
	run msgfmt --check-format -o /dev/null merged.po
	assert_success
}

@test "Japanese messages under LANG=ja_JP.UTF-8" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "the ja_JP.UTF-8 locale is not installed"
	[ -e "$TIM_LOCALEDIR/ja/LC_MESSAGES/tim.mo" ] || skip "TIM_LOCALEDIR has no tim.mo (run through tests/run)"
	tim-ledger init -q reg.tim
	LANG=ja_JP.UTF-8 run tim-ledger append reg.tim copy item=x
	assert_failure 2
	assert_output --partial "'copy' の記録にはフィールド 'to' が必要です"
	LANG=ja_JP.UTF-8 run tim-ledger --help
	assert_success
	assert_line --index 0 "使い方: tim-ledger init [--origin NAME] LEDGER"
}
