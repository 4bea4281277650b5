#!/usr/bin/env bats
# tim(7) in Japanese says what the English page says: it lints clean, keeps
# the same sections and cross references, names every tool, and renders
# with Japanese section titles.

load test_helper

MAN="$BATS_TEST_DIRNAME/../man"
SRC="$BATS_TEST_DIRNAME/.."

# Source lines starting with macro $2 in page $1.
macro_lines() {
	grep -c "^\\.$2\\( \\|\$\\)" "$1"
}

# The cross references of page $1, one "name section" a line, sorted.
xrefs() {
	grep -o '^\.Xr [^ ]* [0-9]' "$1" | sort -u
}

@test "man/ja/tim.7 lints clean with mandoc -Tlint -Wwarning" {
	run mandoc -Tlint -Wwarning "$MAN/ja/tim.7"
	assert_success
	assert_output ''
}

@test "man/ja/tim.7 has as many sections and subsections as man/tim.7" {
	[ "$(macro_lines "$MAN/tim.7" Sh)" -gt 0 ]
	assert_equal "$(macro_lines "$MAN/ja/tim.7" Sh)" "$(macro_lines "$MAN/tim.7" Sh)"
	assert_equal "$(macro_lines "$MAN/ja/tim.7" Ss)" "$(macro_lines "$MAN/tim.7" Ss)"
	run grep -c '^\.Dt TIM 7$' "$MAN/ja/tim.7"
	assert_output 1
}

@test "man/ja/tim.7 cross-references the same pages as man/tim.7" {
	[ -n "$(xrefs "$MAN/tim.7")" ]
	assert_equal "$(xrefs "$MAN/ja/tim.7")" "$(xrefs "$MAN/tim.7")"
}

@test "man/ja/tim.7 names every tool" {
	for c in "$SRC"/cmd/tim-*.c; do
		t=${c##*/}
		t=${t%.c}
		run grep -c -- "$t" "$MAN/ja/tim.7"
		assert_success
	done
}

@test "man/ja/tim.7 keeps every clause of the English clause map" {
	clauses() {
		sed -n '/^\.Ss Clause map$/,$p;/^\.Ss 条項対応表$/,$p' "$1" |
			sed -n 's/^\.It \(告示\|改定案\)\([^T]*\) Ta .*/\1\2/p'
	}
	# "告示, whole" is translated; every numbered clause stays as it is
	run diff <(clauses "$MAN/tim.7" | grep -v whole) <(clauses "$MAN/ja/tim.7" | grep -v 全体)
	assert_success
	[ "$(clauses "$MAN/ja/tim.7" | wc -l)" -eq 31 ]
}

@test "man/ja/tim.7 renders with Japanese section titles" {
	run sh -c 'mandoc -Tutf8 "$1" | col -bx' sh "$MAN/ja/tim.7"
	assert_success
	for title in 説明 環境変数 ファイル 終了ステータス 使用例 関連項目 準拠; do
		assert_line "$title"
	done
	assert_line '   条項対応表'
	assert_line --regexp '^NAME$'
	assert_line --regexp '^     tim – 技術情報管理認証'
	assert_output --partial 'tim-ledger(5)'
	refute_output --partial 'DESCRIPTION'
}

# Every page of man/ja, and the English page it translates.
ja_pages() {
	for j in "$MAN"/ja/*.[1-8]; do
		[ -e "$j" ] && echo "$j"
	done
}

# Every option a page names: ".Fl x", ".Fl xyz", ".Fl -long" or
# ".Fl \-long", as the flag would print, one a line, sorted.
page_flags() {
	grep -o 'Fl \\\?-\?[A-Za-z0-9][A-Za-z0-9-]*' "$1" |
		sed 's/^Fl \\\?/-/; s/^-\([^-]\)/-\1/' | sort -u
}

# The exit statuses of the section titled $2 in page $1: the numbers that
# start an item, one a line, sorted.
exit_statuses() {
	sed -n "/^\\.Sh $2\$/,/^\\.Sh /p" "$1" |
		sed -n 's/^\.It \([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p' | sort -u
}

@test "every English page has a Japanese page" {
	for m in "$MAN"/*.[1-8]; do
		assert_file_exists "$MAN/ja/${m##*/}"
	done
}

@test "every Japanese page lints clean with mandoc -Tlint -Wwarning" {
	for j in $(ja_pages); do
		run mandoc -Tlint -Wwarning "$j"
		assert_success
		assert_output ''
	done
}

@test "every Japanese page names every option of its English page" {
	fail=0
	for j in $(ja_pages); do
		e=$MAN/${j##*/}
		while read -r o; do
			[ -n "$o" ] || continue
			echo "${j#"$MAN"/}: no $o"; fail=1
		done < <(comm -23 <(page_flags "$e") <(page_flags "$j"))
	done
	[ "$fail" -eq 0 ]
}

@test "every Japanese page has the exit statuses of its English page" {
	n=0
	for j in $(ja_pages); do
		e=$MAN/${j##*/}
		want=$(exit_statuses "$e" "EXIT STATUS")
		[ -n "$want" ] || continue
		n=$((n + 1))
		assert_equal "$(exit_statuses "$j" "終了ステータス")" "$want"
	done
	[ "$n" -gt 0 ]
}

@test "every Japanese page keeps the date, title, sections and cross references" {
	for j in $(ja_pages); do
		e=$MAN/${j##*/}
		assert_equal "$(grep '^\.D[dt] ' "$j")" "$(grep '^\.D[dt] ' "$e")"
		assert_equal "$(macro_lines "$j" Sh)" "$(macro_lines "$e" Sh)"
		assert_equal "$(xrefs "$j")" "$(xrefs "$e")"
	done
}

@test "every Japanese page renders with Japanese section titles" {
	for j in $(ja_pages); do
		run sh -c 'mandoc -Tutf8 "$1" | col -bx' sh "$j"
		assert_success
		for title in DESCRIPTION OPTIONS ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO' STANDARDS; do
			refute_line "$title"
		done
		assert_line 関連項目
		if grep -q '^\.Sh EXIT STATUS$' "$MAN/${j##*/}"; then
			assert_line 終了ステータス
		fi
	done
}
