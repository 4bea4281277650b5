#!/bin/sh
# Install what building and testing tim needs, and nothing when it is all there.
# Checks pkg-config modules, commands and files first; calls apt-get only for
# what is missing, so a second run costs a few pkg-config calls.
set -eu

missing=""
want() { missing="$missing $1"; }

pc() {	# pkg-config module, Debian package
	pkg-config --exists "$1" 2>/dev/null || want "$2"
}
cmd() {	# command, Debian package
	command -v "$1" >/dev/null 2>&1 || want "$2"
}
file() {	# file, Debian package
	[ -e "$1" ] || want "$2"
}

# Building (make, make demo).
cmd cc gcc
cmd make make
cmd pkg-config pkg-config
pc libarchive libarchive-dev
pc libcrypto libssl-dev
pc libxml-2.0 libxml2-dev
pc zlib zlib1g-dev
pc jansson libjansson-dev
pc inih libinih-dev
pc libmicrohttpd libmicrohttpd-dev
pc libcurl libcurl4-openssl-dev
pc libzip libzip-dev
pc yajl libyajl-dev
cmd msgfmt gettext
cmd /usr/bin/python3 python3
cmd localedef libc-bin
file /usr/share/i18n/locales/ja_JP locales

# Testing (make check): the suites and the tools they compare against.
if [ "${1:-}" = check ]; then
	cmd bats bats
	file /usr/lib/bats/bats-support/load.bash bats-support
	file /usr/lib/bats/bats-assert/load.bash bats-assert
	file /usr/lib/bats/bats-file/load.bash bats-file
	cmd mandoc mandoc
	cmd setfattr attr
	cmd losetup mount
	cmd unshare util-linux
	cmd mkfs.ext4 e2fsprogs
	cmd lsattr e2fsprogs
	cmd useradd passwd
	cmd soffice libreoffice-calc
	cmd xmllint libxml2-utils
	cmd qpdf qpdf
	# tests/tim-mark-files.bats: clients that read what tim-mark wrote.
	cmd exiftool libimage-exiftool-perl
	cmd pdftoppm poppler-utils
	cmd soffice libreoffice-draw
	cmd openssl openssl
	cmd cmsutil libnss3-tools
	cmd gpgsm gpgsm
	cmd gpg-agent gpg-agent
	cmd jq jq
	cmd bc bc
	file /usr/bin/time time
	cmd clang clang
	file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev
	cmd dh debhelper
	cmd fakeroot fakeroot
	cmd lintian lintian
	cmd ansible-playbook ansible-core
	# tests/completions.bats: the zsh completions are parsed by zsh itself.
	cmd zsh zsh
	# tests/tim-wipe-vm.bats: a VM under QEMU with Debian's kernel.
	cmd qemu-system-x86_64 qemu-system-x86
	cmd busybox busybox-static
	# tests/tim-wipe-cert.bats: the erasure certificate in headless Chromium;
	# tests/tim-check-selfcheck.bats: the self-check report, on one A4 page.
	cmd chromium chromium
	cmd pdfinfo poppler-utils
	# tests/tim-mark-office.bats: LibreOffice saves and renders the documents,
	# poppler reads the PDFs back, Noto CJK draws the Japanese.
	file /usr/lib/libreoffice/program/libswlo.so libreoffice-writer-nogui
	file /usr/lib/libreoffice/program/libsclo.so libreoffice-calc-nogui
	file /usr/lib/libreoffice/program/libsdlo.so libreoffice-impress-nogui
	cmd pdftotext poppler-utils
	file /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk
	[ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ] ||
		ls /boot/vmlinuz-* >/dev/null 2>&1 || want linux-image-amd64
	# tim-ledger witness tests: an independent cosignature check.
	python3 -c 'import cryptography' 2>/dev/null || want python3-cryptography
	cmd gdb gdb	# gcore: no key bytes in a dump (tests/hardening.bats)
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "tim: missing packages:$missing" >&2
		echo "tim: run as root: apt-get install$missing" >&2
		exit 1
	fi
	echo "tim: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends $missing >/dev/null
	}
fi

# The Japanese message tests need the ja_JP.UTF-8 locale itself.
if ! locale -a 2>/dev/null | grep -qix 'ja_JP.utf8'; then
	if [ "$(id -u)" -eq 0 ]; then
		localedef -i ja_JP -c -f UTF-8 ja_JP.UTF-8 >/dev/null 2>&1 ||
			echo "tim: could not generate the ja_JP.UTF-8 locale" >&2
	else
		echo "tim: ja_JP.UTF-8 locale missing; Japanese message tests will skip" >&2
	fi
fi
exit 0
