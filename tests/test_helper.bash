# Loaded by every bats file: the assertion libraries, a temp dir per test,
# and an environment that no host config or ledger can leak into.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	# An empty file outside the test's folder (TIM_CONFIG naming a missing
	# file is an error; a tim.conf in the folder would be checked by tim-check).
	TIM_CONFIG=$(mktemp "${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/tim.conf.XXXXXX") || return 1
	export TIM_CONFIG
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
	export LANG=C.UTF-8 LC_ALL= LANGUAGE=
	unset TIM_LEDGER TIM_LEDGER_PATH TIM_LEDGER_VERIFY_KEY TIM_LEDGER_KEY_FILE
	if declare -F setup_file_local >/dev/null; then setup_file_local; fi
}

# Skip unless running as root, saying why.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (run the suite as root to cover this)"
}
