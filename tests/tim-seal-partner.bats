#!/usr/bin/env bats
# The partner guide (examples/partner/README.md and README.ja.md) runs as
# written: every fenced command block, in order, with the system's openssl,
# against what tim-seal made; then tim-seal opens what the partner sends back.
# Blocks for tools this machine cannot have are run with a stand-in that
# says so: `brew` (macOS) prints the prefix of the system's OpenSSL; in
# PowerShell blocks `Set-Alias openssl ...` is dropped (openssl is on PATH)
# and `$X = Read-Host ...` becomes `read -r X`; the rest runs under bash.
load test_helper
# The shipped list of common passwords, wherever the build directory is.
export TIM_DATADIR="$TIM_SRC/data"

setup_file_local() {
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout partner.key -out partner.crt \
	    -subj "/CN=partner/O=Partner KK" 2>/dev/null
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout company.key -out company.crt \
	    -subj "/CN=sysadmin/O=Example Seisakusho" 2>/dev/null
	chmod 600 partner.key company.key
	head -c 150000 /dev/urandom > orig.pdf
	printf 'answer\n' > answer.xlsx
	mkdir -p src/drawings
	printf 'one\n' > src/drawings/a.dxf
	printf 'two\n' > src/drawings/b.dxf
	printf 'tsukue no ue no mikan 12\n' > pw
	chmod 600 pw
}

# What the company sends: one envelope for each section of the guide.
company_sends() {
	tim-seal -q -r partner.crt -o drawing.pdf.p7m orig.pdf
	tim-seal -q --password-file pw -o spec.pdf.p7m orig.pdf
	(cd src && tim-seal -q -r ../partner.crt -o ../drawings.tar.p7m drawings)
	tim-seal -q -r partner.crt --sign company.key --signer company.crt -o report.pdf.p7m orig.pdf
}

# The guide's command blocks as one bash script.
blocks() {
	awk '
	/^```(sh|powershell)$/ { inb = 1; ps = ($0 ~ /powershell/); next }
	/^```/ && inb { inb = 0; next }
	inb && ps && /^Set-Alias openssl / { next }
	inb && ps && /^\$[A-Z]+ = Read-Host/ { sub(/^\$/, ""); sub(/ = Read-Host.*/, ""); print "read -r " $0; next }
	inb { print }
	' "$1"
}

run_guide() {
	local guide=$TIM_SRC/examples/partner/$1
	company_sends
	blocks "$guide" > guide.sh
	# every block was taken: as many ``` openers as blocks in the script
	[ "$(grep -c '^```sh$\|^```powershell$' "$guide")" -ge 6 ]
	grep -q 'openssl cms -verify' guide.sh
	cat > brew <<'B'
#!/bin/sh
# stand-in for Homebrew on this Linux machine
case $1 in --prefix) echo /usr ;; install) exit 0 ;; esac
B
	chmod +x brew
	# The password is typed twice: the sh block and the PowerShell block.
	run env PATH="$PWD:$PATH" bash -e guide.sh < <(cat pw pw)
	assert_success
	assert_line --regexp '^OpenSSL 3\.'
	assert_output --partial "CMS Verification successful"
	cmp drawing.pdf orig.pdf
	cmp spec.pdf orig.pdf
	cmp report.pdf orig.pdf
	cmp drawings/a.dxf src/drawings/a.dxf
	cmp drawings/b.dxf src/drawings/b.dxf
	# What the partner sent back opens with tim-seal at the company.
	run tim-seal -d --key company.key --cert company.crt -o back.xlsx answer.xlsx.p7m
	assert_success
	cmp back.xlsx answer.xlsx
	run tim-seal -d --key company.key --cert company.crt --ca partner.crt -o back2.xlsx answer-signed.xlsx.p7m
	assert_success
	assert_output --partial "signed by CN=partner, O=Partner KK (certificate verified against the CA file)"
	cmp back2.xlsx answer.xlsx
}

@test "partner guide (English): every command runs with the system's openssl" {
	run_guide README.md
}

@test "partner guide (Japanese): every command runs with the system's openssl" {
	run_guide README.ja.md
}

@test "partner guide: a changed signed file fails the guide's verify command" {
	company_sends
	openssl cms -decrypt -binary -inform DER -in report.pdf.p7m -recip partner.crt \
	    -inkey partner.key -out report.pdf.p7s
	size=$(stat -c %s report.pdf.p7s)
	printf 'X' | dd of=report.pdf.p7s bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	run openssl cms -verify -binary -inform DER -in report.pdf.p7s -CAfile company.crt -out report.pdf
	assert_failure
	refute_output --partial "CMS Verification successful"
}
