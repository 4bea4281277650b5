# Loaded by every bats file: the assertion libraries, a temp dir per test,
# and an environment that no host config or ledger can leak into.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	# TIM_CONFIG must name a file that exists (a missing one is an error):
	# an empty file outside the test's folder, seen in it as the symlink
	# tim.conf (tree walkers skip symlinks), so a test writes ./tim.conf or
	# "$TIM_CONFIG" alike.
	export TIM_CONFIG="$BATS_TEST_TMPDIR/tim.conf"
	ln -s "$(mktemp "${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/tim.conf.XXXXXX")" "$TIM_CONFIG" || return 1
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
	export LANG=C.UTF-8 LC_ALL= LANGUAGE=
	unset TIM_LEDGER TIM_LEDGER_PATH TIM_LEDGER_VERIFY_KEY TIM_LEDGER_KEY_FILE
	if declare -F setup_file_local >/dev/null; then setup_file_local; fi
}

# Skip unless running as root, saying why.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (run the suite as root to cover this)"
}
