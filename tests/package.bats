#!/usr/bin/env bats
# The Debian packages build from a clean clone, pass lintian without errors
# and hold working tools.
load test_helper

@test "dpkg-buildpackage builds tim and libtim-dev; lintian finds no error; the tools run" {
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		skip "debhelper is not installed (apt-get install debhelper fakeroot lintian covers this)"
	git -C "$TIM_SRC" rev-parse --git-dir >/dev/null 2>&1 || skip "the source is not a git checkout"
	git clone -q "$TIM_SRC" src
	cd src
	# make check's own flags (sanitizers) must not leak into the package build
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DEV -u SANITIZE -u CFLAGS -u LDFLAGS dpkg-buildpackage -us -uc -b
	assert_success
	cd ..
	assert_file_exists tim_*_amd64.deb
	assert_file_exists libtim-dev_*_amd64.deb
	if command -v lintian >/dev/null; then
		run lintian --fail-on error tim_*.changes
		assert_success
		refute_output --regexp '^E: '
	fi
	dpkg -x tim_*_amd64.deb root
	dpkg -x libtim-dev_*_amd64.deb root
	run root/usr/bin/tim-ledger --version
	assert_success
	assert_output --regexp '^tim-ledger \(tim\) [0-9]'
	assert_file_exists root/usr/share/man/man1/tim-ledger.1.gz
	assert_file_exists root/usr/share/man/ja/man7/tim.7.gz
	assert_file_exists root/usr/share/man/ja/man1/tim-ledger.1.gz
	assert_file_exists root/usr/share/man/ja/man5/tim-ledger.5.gz
	# dh_compress gzips documents over 4 KiB
	run sh -c 'ls root/usr/share/doc/tim/README.ja.md*'
	assert_success
	assert_file_exists root/usr/share/locale/ja/LC_MESSAGES/tim.mo
	run sh -c 'ls root/usr/lib/*/libtim.a root/usr/lib/*/pkgconfig/libtim.pc'
	assert_success
	grep -q '^libdir=/usr/lib/.*-linux-gnu$' root/usr/lib/*/pkgconfig/libtim.pc
	# libtim-dev holds the public headers only, included as <tim/ledger.h>
	grep -q '^Cflags: -I${includedir} ' root/usr/lib/*/pkgconfig/libtim.pc
	run sh -c 'cd root/usr/include/tim && ls'
	assert_success
	assert_output "$(cd "$TIM_SRC/include/tim" && ls)"
}
