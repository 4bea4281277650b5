#!/usr/bin/env bats
# The layout keeps its promise (HACKING.md): libtim never prints, never
# reads the terminal, never exits and never installs signal handlers; that
# is all the front ends' (cmd/), which the library does not include.
load test_helper

@test "libtim.a references no stdio stream, exit or signal handling" {
	run sh -c "nm -A '$TIM_BUILD/libtim.a' | grep -wE 'U (stdout|stderr|stdin|exit|_exit|sigaction|signal|abort|setlocale|tcsetattr|getpass)\$'"
	assert_failure 1
	assert_output ''
	# the check itself sees what it looks for
	run sh -c "nm -A '$TIM_BUILD/libtimfe.a' | grep -cwE 'U (stdout|stderr|exit)\$'"
	assert_success
	refute_output 0
}

@test "no libtim source includes a front-end header" {
	cd "$TIM_SRC"
	run sh -c 'for h in cmd/*.h; do n=${h##*/}; grep -ln "#include \"$n\"" libtim/*.c libtim/*.h; done; exit 0'
	assert_success
	assert_output ''
}

@test "the front ends are not compiled into libtim" {
	run sh -c "ar t '$TIM_BUILD/libtim.a' | grep -E '^(cli|progress|i18n|[a-z]+cmd)\\.o\$'"
	assert_failure 1
	assert_output ''
}

@test "a missing library stops make with one line naming the module and the Debian package" {
	run make -C "$TIM_SRC" -n PKG_CONFIG=false B="$BATS_TEST_TMPDIR/b" all
	assert_failure 2
	assert_output --regexp 'missing pkg-config module\(s\) libarchive libcrypto .*: install libarchive-dev libssl-dev .* \(apt-get install\)'
	refute_output --partial "No such file"
	# every module has its Debian package named
	mods=$(sed -n 's/.*module(s) \(.*\): install .*/\1/p' <<<"$output" | wc -w)
	debs=$(sed -n 's/.*: install \(.*\) (apt-get.*/\1/p' <<<"$output" | wc -w)
	[ "$mods" -gt 5 ] && [ "$mods" -eq "$debs" ]
}
