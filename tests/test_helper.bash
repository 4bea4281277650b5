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

# Headless Chromium as the user's or auditor's browser: file.html to
# file.pdf (print) and, unless told "pdf", file.png (a screenshot of an A4
# width). --no-zygote: in a container without user namespaces the zygote's
# sandbox cannot start even with --no-sandbox.
chromium_render() {	# file.html [pdf]
	local h b u only=${2:-}
	h=$(readlink -f "$1")
	b=${h%.html}
	u=$(mktemp -d)
	set -- --headless --no-sandbox --no-zygote --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$u"
	timeout 120 chromium "$@" --print-to-pdf="$b.pdf" --no-pdf-header-footer "file://$h" >/dev/null 2>&1
	[ "$only" = pdf ] ||
		timeout 120 chromium "$@" --screenshot="$b.png" --window-size=1240,1754 "file://$h" >/dev/null 2>&1
	rm -rf "$u"
	[ -s "$b.pdf" ] && { [ "$only" = pdf ] || [ -s "$b.png" ]; }
}

need_chromium() {
	command -v chromium >/dev/null || skip "chromium is not installed (scripts/deps.sh check installs it)"
	command -v pdfinfo >/dev/null || skip "pdfinfo is not installed (poppler-utils)"
}
