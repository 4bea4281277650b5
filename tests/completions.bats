#!/usr/bin/env bats
# Shell completions: the bash one is driven the way readline drives it
# (COMP_WORDS, COMP_CWORD, then COMPREPLY); the zsh one is syntax-checked.

load test_helper

BASH_COMP="$BATS_TEST_DIRNAME/../completions/bash/tim-ledger"
ZSH_COMP="$BATS_TEST_DIRNAME/../completions/zsh/_tim-ledger"

# complete WORD...: the last word is the one under the cursor.
complete_words() {
	# shellcheck disable=SC1090
	source "$BASH_COMP"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_tim_ledger
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

setup_file_local() {
	tim-ledger init -q reg.tim
	: > audit.checkpoint
}

@test "bash: the completion registers itself for tim-ledger" {
	source "$BASH_COMP"
	run complete -p tim-ledger
	assert_success
	assert_output "complete -F _tim_ledger tim-ledger"
}

@test "bash: first word offers every command and the global options" {
	run complete_words tim-ledger ""
	assert_success
	assert_output "$(printf '%s\n' --help --version -h append checkpoint consistency import init keygen kinds list outstanding prove receipt repair stamp verify verify-receipt witness | sort)"
}

@test "bash: a prefix narrows the commands" {
	run complete_words tim-ledger ch
	assert_output "checkpoint"
}

@test "bash: the commands are exactly those of tim-ledger --help" {
	run tim-ledger --help
	assert_success
	want=$(printf '%s\n' "$output" | sed -n 's/^.*tim-ledger \([a-z-]*\).*$/\1/p' | sort -u)
	got=$(complete_words tim-ledger "" | grep -v '^-')
	[ "$got" = "$want" ] || { echo "completion: $got"; echo "tool: $want"; false; }
}

@test "bash: options of list, with the common ones" {
	run complete_words tim-ledger list --
	assert_success
	assert_line -- "--csv"
	assert_line -- "--where"
	assert_line -- "--json"
	refute_line -- "--no-sync"
}

@test "bash: every option offered for a command is accepted by it" {
	for sub in init keygen append verify checkpoint list prove consistency repair stamp witness; do
		for opt in $(complete_words tim-ledger "$sub" --); do
			case $opt in --help|--version) continue ;; esac
			run tim-ledger "$sub" "$opt"
			refute_output --partial "does not apply"
			refute_output --partial "unknown option"
		done
	done
}

@test "bash: record kinds after append LEDGER" {
	run complete_words tim-ledger append reg.tim ""
	assert_success
	assert_line "copy"
	assert_line "takeout"
	assert_line "erase"
	refute_line "reg.tim"
}

@test "bash: the kinds offered are those of tim-ledger kinds" {
	want=$(tim-ledger kinds | cut -d' ' -f1 | sort)
	got=$(complete_words tim-ledger append reg.tim "")
	[ "$got" = "$want" ]
}

@test "bash: the built-in kind list matches tim-ledger kinds when the tool is not on PATH" {
	want=$(tim-ledger kinds | cut -d' ' -f1 | sort)
	# A tim-ledger that fails, as when it is not installed yet.
	got=$(tim-ledger() { return 127; }; complete_words tim-ledger append reg.tim "")
	[ "$got" = "$want" ] || { echo "built-in: $got"; echo "tool: $want"; false; }
}

@test "bash: required fields of the kind, with '=' and without the ones given" {
	run complete_words tim-ledger append reg.tim copy ""
	assert_output "$(printf '%s\n' item= to=)"
	# bash splits item=x into item, =, x
	run complete_words tim-ledger append reg.tim copy item = x ""
	assert_output "to="
}

@test "bash: nothing is offered for a FIELD value" {
	run complete_words tim-ledger append reg.tim copy item =
	assert_success
	assert_output ""
}

@test "bash: with TIM_LEDGER set, append KIND goes straight to the fields" {
	export TIM_LEDGER="$PWD/reg.tim"
	run complete_words tim-ledger append copy ""
	assert_output "$(printf '%s\n' item= to=)"
	run complete_words tim-ledger append co
	assert_line "copy"
}

@test "bash: files for LEDGER, KEYFILE and checkpoint operands" {
	run complete_words tim-ledger verify re
	assert_output "reg.tim"
	run complete_words tim-ledger checkpoint -k au
	assert_output "audit.checkpoint"
	run complete_words tim-ledger consistency au
	assert_output "audit.checkpoint"
	run complete_words tim-ledger consistency audit.checkpoint re
	assert_output "reg.tim"
	run complete_words tim-ledger append --json re
	assert_output "reg.tim"
}

@test "bash: kinds for --kind, nothing for free-text option values" {
	run complete_words tim-ledger list --kind ta
	assert_output "takeout"
	run complete_words tim-ledger list --since ""
	assert_output ""
	run complete_words tim-ledger init --origin ""
	assert_output ""
}

@test "bash: prove takes a number first, then the ledger" {
	run complete_words tim-ledger prove ""
	assert_output ""
	run complete_words tim-ledger prove 3 re
	assert_output "reg.tim"
}

@test "bash: commands without operands offer nothing" {
	run complete_words tim-ledger kinds ""
	assert_output ""
	run complete_words tim-ledger keygen ""
	assert_output ""
	run complete_words tim-ledger init reg.tim ""
	assert_output ""
}

@test "zsh: the completion parses" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$ZSH_COMP"
	assert_success
	assert_output ""
}

@test "zsh: the completion names every command of tim-ledger --help" {
	run tim-ledger --help
	for sub in $(printf '%s\n' "$output" | sed -n 's/^.*tim-ledger \([a-z-]*\).*$/\1/p' | sort -u); do
		grep -q "'$sub:" "$ZSH_COMP" || { echo "missing: $sub"; false; }
	done
}

@test "both completions offer every long option of tim-ledger" {
	opts=$(sed -n '/longopts\[\] = {/,/TIM_CLI_LONGOPTS/s/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' \
	    "$BATS_TEST_DIRNAME/../cmd/tim-ledger.c")
	[ -n "$opts" ]
	all=$(for sub in init keygen append verify checkpoint list outstanding import prove consistency receipt verify-receipt repair stamp witness; do
		complete_words tim-ledger "$sub" --
	done)
	for o in $opts; do
		grep -qx -- "--$o" <<<"$all" || { echo "bash lacks --$o"; false; }
		grep -q -- "--$o" "$ZSH_COMP" || { echo "zsh lacks --$o"; false; }
	done
}

# --- tim-mark: label levels come from the configuration ---------------------------

mark_complete() {
	# shellcheck disable=SC1090
	source "$BATS_TEST_DIRNAME/../completions/bash/tim-mark"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_tim_mark
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "bash: tim-mark -l offers the default levels, or those of [label] levels in tim.conf" {
	run mark_complete tim-mark -l ""
	assert_output "$(printf '%s\n' 極秘 秘 社外秘 社内限)"
	printf '[ledger]\nlevels = x\n\n[label]\nlevels = 機密A, 機密B ,社内\n' > "$TIM_CONFIG"
	run mark_complete tim-mark -l ""
	assert_output "$(printf '%s\n' 機密A 機密B 社内)"
	run mark_complete tim-mark -l 機密
	assert_output "$(printf '%s\n' 機密A 機密B)"
	TIM_LABEL_LEVELS=甲,乙 run mark_complete tim-mark --level ""
	assert_output "$(printf '%s\n' 甲 乙)"
}
