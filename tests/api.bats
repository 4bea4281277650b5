#!/usr/bin/env bats
# The installed API is one a third party can use: only the public headers,
# under include/tim/, included as <tim/ledger.h>, standard C and POSIX
# besides each other, C++-ready, found through pkg-config.
load test_helper

# Installs the already-built tree into ./root with the directories the build
# was made for (another PREFIX would rebuild everything), then sets CONSUMER
# to the pkg-config flags a program builds with, plus the build's sanitizers
# (a sanitized libtim.a needs their runtime at link time).
install_tree() {
	local pc="$TIM_BUILD/libtim.pc" prefix libdir includedir
	prefix=$(sed -n 's/^prefix=//p' "$pc")
	libdir=$(sed -n 's/^libdir=//p' "$pc")
	includedir=$(sed -n 's/^includedir=//p' "$pc")
	# make check's own flags must not reach this make
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TIM_SRC" B="$TIM_BUILD" NOBUILD=1 PREFIX="$prefix" LIBDIR="$libdir" \
	    INCLUDEDIR="$includedir" DESTDIR="$PWD/root" install >make.log 2>&1 ||
		{ cat make.log; return 1; }
	INC="$PWD/root$includedir"
	export PKG_CONFIG_PATH="$PWD/root$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$PWD/root"
	CONSUMER=$(pkg-config --cflags --libs --static libtim) || return 1
	SAN=$(grep -o -- '-fsanitize=[^ ]*' "$TIM_BUILD/FLAGS" | head -n 1)
}

@test "only the public headers are installed, under include/tim, and libtim.pc points above them" {
	install_tree
	run sh -c "cd '$INC' && ls"
	assert_success
	assert_output 'tim'
	run sh -c "cd '$INC/tim' && ls"
	assert_success
	assert_output "$(printf '%s\n' buf.h config.h err.h hash.h label.h ledger.h merkle.h tim.h version.h)"
	run pkg-config --cflags libtim
	assert_success
	assert_output --regexp "^-I$INC -D_FILE_OFFSET_BITS=64( |\$)"
	refute_output --partial 'include/tim'
}

@test "no installed header includes a library's header, defines _ or N_, or lacks extern \"C\"" {
	install_tree
	run grep -lE '#[[:space:]]*include[[:space:]]*<(jansson|openssl/|libxml/|linux/|archive|zlib|ini\.h|libintl)' "$INC"/tim/*.h
	assert_failure 1
	assert_output ''
	run grep -lE '#[[:space:]]*define[[:space:]]+N?_\(' "$INC"/tim/*.h
	assert_failure 1
	for h in "$INC"/tim/*.h; do
		case $h in */version.h|*/tim.h) continue ;; esac
		grep -q 'extern "C"' "$h" || fail "$h has no extern \"C\""
	done
}

@test "each public header compiles alone, as C and as C++, with nothing but pkg-config's flags" {
	install_tree
	for h in "$INC"/tim/*.h; do
		n=${h##*/}
		printf '#include <tim/%s>\n#include <tim/%s>\n' "$n" "$n" >"h-$n.c"
		run cc -std=c99 -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags libtim) "h-$n.c"
		assert_success
		if command -v g++ >/dev/null; then
			run g++ -x c++ -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags libtim) "h-$n.c"
			assert_success
		fi
	done
}

@test "a program built with pkg-config appends, verifies and reads a label; <err.h> is the system's" {
	install_tree
	echo secret >plan.txt
	tim-mark -q -l 秘 --owner 設計部 plan.txt
	run cc -std=c11 -Wall -Wextra -Werror -o consumer "$TIM_SRC/tests/api/consumer.c" $SAN $CONSUMER
	assert_success
	run ./consumer reg.tim 【秘】plan.txt
	assert_success
	assert_line --index 0 --regexp '^libtim [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 'appended receive seq=1'
	assert_line --index 2 'appended copy seq=2'
	assert_line --index 3 "refused copy: invalid: a 'copy' record needs the field 'to'"
	assert_line --index 4 'verify: ok lines=3 origin=example.com/consumer'
	assert_line --index 5 'label: marked=1 【秘】 owner=設計部'
	assert_line 'carrier: name'
	assert_line 'carrier: text'
	# what it wrote is a ledger tim-ledger itself accepts
	run tim-ledger verify reg.tim
	assert_success
}

@test "the same program compiles and runs as C++" {
	command -v g++ >/dev/null || skip "g++ is not installed"
	install_tree
	echo secret >plan.txt
	tim-mark -q -l 社外秘 plan.txt
	run g++ -x c++ -Wall -Wextra -Werror -o consumer++ "$TIM_SRC/tests/api/consumer.c" -x none $SAN $CONSUMER
	assert_success
	run ./consumer++ reg.tim 【社外秘】plan.txt
	assert_success
	assert_line 'verify: ok lines=3 origin=example.com/consumer'
	assert_line 'label: marked=1 【社外秘】'
}

@test "a library error is the library's own kind, not an exit status" {
	install_tree
	run cc -std=c11 -Wall -Wextra -Werror -o consumer "$TIM_SRC/tests/api/consumer.c" $SAN $CONSUMER
	assert_success
	run ./consumer reg.tim missing.txt
	assert_failure 1
	assert_output --partial "consumer: label: cannot read 'missing.txt': No such file or directory"
	run grep -rE 'TIM_EXIT_' "$INC"/tim
	assert_failure 1
}
