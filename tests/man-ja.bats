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
