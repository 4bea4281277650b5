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
	for sub in $(printf '%s\n' "$output" | sed -n 's/^.*tim-ledger \([a-z-]*\).*$/\1/p' | sort -u); do
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
	assert_line --index 0 "使い方: tim-ledger init [--origin NAME] [--group GROUP] [--append-only] LEDGER"
}

# The long options an English page documents: every ".Fl -word" (also
# written ".Fl \-word"), one a line, sorted.
page_longopts() {
	grep -o 'Fl \\\?-[a-z][a-z0-9-]*' "$1" | sed 's/^Fl \\\?/-/' | sort -u
}

# The long options "tool --help" shows, one a line, sorted.
help_longopts() {
	"$1" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# Known differences between --help and the page, as "tool --option", each
# with the reason (none today; the test fails on an entry that no longer
# differs, so the list cannot go stale).
HELP_ALLOW='
'

@test "--help of every tool and its man page list the same long options" {
	fail=0
	for c in "$SRC"/cmd/tim-*.c; do
		t=${c##*/}
		t=${t%.c}
		[ -e "$MAN/$t.1" ] || { echo "no man/$t.1"; fail=1; continue; }
		help=$(help_longopts "$t")
		page=$(page_longopts "$MAN/$t.1")
		[ -n "$help" ] && [ -n "$page" ] || { echo "$t: no options found"; fail=1; continue; }
		while read -r o; do
			[ -n "$o" ] || continue
			echo "$t: --help shows $o, $t(1) does not"; fail=1
		done < <(comm -23 <(echo "$help") <(echo "$page"))
		while read -r o; do
			[ -n "$o" ] || continue
			grep -qx "$t $o" <<<"$HELP_ALLOW" && continue
			echo "$t: $t(1) documents $o, --help does not"; fail=1
		done < <(comm -13 <(echo "$help") <(echo "$page"))
		while read -r tool o; do
			[ "$tool" = "$t" ] || continue
			grep -qx -- "$o" <<<"$page" && ! grep -qx -- "$o" <<<"$help" ||
				{ echo "stale HELP_ALLOW entry: $t $o"; fail=1; }
		done <<<"$HELP_ALLOW"
	done
	[ "$fail" -eq 0 ]
}

@test "every English EXIT STATUS section of a command names 0 to 3" {
	for m in "$MAN"/*.[18] "$MAN"/tim.7; do
		text=$(section "$m" "EXIT STATUS")
		for st in 0 1 2 3; do
			grep -Eq "^ +$st( |\$)" <<<"$text" || { echo "$m: no status $st"; false; }
		done
	done
}

# groff (what man(1) runs) must format every page without a warning, in both
# languages: preconv (-k) for the UTF-8 text, -ww for every warning, and
# the default 78-column line.
@test "groff -ww formats every page without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	fail=0
	for m in "$MAN"/*.[1-8] "$MAN"/ja/*.[1-8]; do
		out=$(groff -k -ww -z -mandoc -Tutf8 "$m" 2>&1)
		[ -z "$out" ] || { echo "$m:"; echo "$out"; fail=1; }
	done
	[ "$fail" -eq 0 ]
}

@test "man --warnings shows every page without a warning, in both languages" {
	command -v man >/dev/null || skip "man is not installed"
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "the ja_JP.UTF-8 locale is not installed"
	fail=0
	for m in "$MAN"/*.[1-8] "$MAN"/ja/*.[1-8]; do
		for l in C.UTF-8 ja_JP.UTF-8; do
			out=$(LANG=$l MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
			[ -z "$out" ] || { echo "$m ($l):"; echo "$out"; fail=1; }
		done
	done
	[ "$fail" -eq 0 ]
}
