#!/usr/bin/env bats
# tim-seal: CMS envelopes with CRYPTREC algorithms, both ways with openssl.
load test_helper
# The shipped list of common passwords, wherever the build directory is.
export TIM_DATADIR="$TIM_SRC/data"

# Keys and certificates once for the file; each test copies what it needs.
setup_file() {
	K="$BATS_FILE_TMPDIR/k"
	mkdir -p "$K"
	cd "$K" || return 1
	cert() {	# name, key algorithm options..., then -- and extra req options
		local name=$1
		shift
		openssl req -x509 -nodes -keyout "$name.key" -out "$name.pem" \
		    -subj "/CN=$name/O=Example" "$@" 2>/dev/null
		chmod 600 "$name.key"
	}
	cert rsa -newkey rsa:2048 -days 30
	cert rsa3072 -newkey rsa:3072 -days 30
	cert other -newkey rsa:2048 -days 30
	cert ec -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30
	cert ec384 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -days 30
	cert weak -newkey rsa:1024 -days 30
	cert signonly -newkey rsa:2048 -days 30 -addext keyUsage=digitalSignature
	cert signer -newkey rsa:2048 -days 30
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout inside.key -out inside.pem \
	    -subj "/CN=colleague/emailAddress=a@example.co.jp" 2>/dev/null
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout partner.key -out partner.pem \
	    -subj "/CN=partner/emailAddress=b@partner.example" 2>/dev/null
	chmod 600 inside.key partner.key
	cert ecsigner -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30
	# Expired: valid from now until a day ago.
	openssl req -new -newkey rsa:2048 -nodes -keyout old.key -out old.csr \
	    -subj "/CN=old" 2>/dev/null
	openssl x509 -req -in old.csr -signkey old.key -days -1 -out old.pem 2>/dev/null
	chmod 600 old.key
	# Not yet valid: a self-signed certificate from 2040, through openssl ca.
	mkdir ca
	touch ca/index.txt
	echo 01 > ca/serial
	printf '%s\n' '[ca]' 'default_ca = d' '[d]' 'dir = ca' 'database = ca/index.txt' \
	    'serial = ca/serial' 'new_certs_dir = ca' 'default_md = sha256' 'policy = p' \
	    '[p]' 'commonName = supplied' > ca/ca.cnf
	openssl req -new -newkey rsa:2048 -nodes -keyout future.key -out future.csr \
	    -subj "/CN=future" 2>/dev/null
	openssl ca -batch -config ca/ca.cnf -selfsign -keyfile future.key -in future.csr \
	    -startdate 20400101000000Z -enddate 20410101000000Z -out future.pem 2>/dev/null
	chmod 600 future.key
	head -c 300000 /dev/urandom > "$K/data.bin"
}

setup_file_local() {
	K="$BATS_FILE_TMPDIR/k"
	cp "$K"/*.pem "$K"/*.key "$K/data.bin" .
	chmod 600 ./*.key
}

# No temporary or output file may stay behind after a failure.
assert_clean() {
	run bash -c 'ls -A | grep -E "^\.|\.tim-" || true'
	assert_output ""
}

@test "-h prints the synopsis, a bad option is a usage error" {
	run tim-seal -h
	assert_success
	assert_output --partial "usage: tim-seal -r CERT"
	run tim-seal --bogus x
	assert_failure 2
	assert_output --partial "unknown option"
	run tim-seal data.bin
	assert_failure 2
	assert_output --partial "give a recipient"
}

@test "RSA-OAEP AES-256-GCM: tim-seal and openssl both open it" {
	run tim-seal -r rsa.pem data.bin
	assert_success
	assert_output "encrypted 'data.bin' -> 'data.bin.p7m' (aes-256-gcm; recipients: 1)"
	run openssl cms -cmsout -print -inform DER -in data.bin.p7m
	assert_output --partial "id-smime-ct-authEnvelopedData"
	assert_output --partial "rsaesOaep"
	assert_output --partial "aes-256-gcm"
	openssl cms -decrypt -binary -inform DER -in data.bin.p7m -recip rsa.pem \
	    -inkey rsa.key -out by-openssl
	cmp by-openssl data.bin
	mv data.bin orig.bin
	run tim-seal -d --key rsa.key --cert rsa.pem data.bin.p7m
	assert_success
	assert_output "opened 'data.bin.p7m' -> 'data.bin'"
	cmp data.bin orig.bin
	[ "$(stat -c %a data.bin)" = 600 ]
}

@test "ECDH P-256 with a SHA-256 KDF: both open it" {
	run tim-seal -r ec.pem -o e.p7m data.bin
	assert_success
	run openssl cms -cmsout -print -inform DER -in e.p7m
	assert_output --partial "dhSinglePass-stdDH-sha256kdf-scheme"
	assert_output --partial "id-aes256-wrap"
	openssl cms -decrypt -binary -inform DER -in e.p7m -recip ec.pem -inkey ec.key -out o1
	cmp o1 data.bin
	run tim-seal -d --key ec.key --cert ec.pem -o o2 e.p7m
	assert_success
	cmp o2 data.bin
}

@test "several recipients (RSA 2048, RSA 3072, P-384): each one opens it" {
	run tim-seal -r rsa.pem -r rsa3072.pem -r ec384.pem -o m.p7m data.bin
	assert_success
	assert_output --partial "recipients: 3)"
	for who in rsa rsa3072 ec384; do
		run tim-seal -d --key $who.key --cert $who.pem -o out-$who m.p7m
		assert_success
		cmp out-$who data.bin
		openssl cms -decrypt -binary -inform DER -in m.p7m -recip $who.pem \
		    -inkey $who.key | cmp - data.bin
	done
}

@test "--compat: EnvelopedData AES-256-CBC, both open it" {
	run tim-seal --compat -r rsa.pem -r ec.pem -o c.p7m data.bin
	assert_success
	assert_output --partial "aes-256-cbc"
	run openssl cms -cmsout -print -inform DER -in c.p7m
	assert_output --partial "pkcs7-envelopedData"
	openssl cms -decrypt -binary -inform DER -in c.p7m -recip ec.pem -inkey ec.key | cmp - data.bin
	run tim-seal -d --key rsa.key --cert rsa.pem -o c.out c.p7m
	assert_success
	cmp c.out data.bin
}

@test "password recipient: PBKDF2-HMAC-SHA256, openssl -pwri_password opens it" {
	printf 'correct horse battery\n' > pw
	chmod 600 pw
	run tim-seal --password-file pw -o p.p7m data.bin
	assert_success
	assert_output --partial "send the password by another channel"
	run openssl cms -cmsout -print -inform DER -in p.p7m
	assert_output --partial "hmacWithSHA256"
	openssl cms -decrypt -binary -inform DER -in p.p7m -pwri_password 'correct horse battery' | cmp - data.bin
	run tim-seal -d --password-file pw -o p.out p.p7m
	assert_success
	cmp p.out data.bin
	run tim-seal -d --password-fd 3 -o p2.out p.p7m 3< pw
	assert_success
	cmp p2.out data.bin
	printf 'wrong\n' > bad
	chmod 600 bad
	run tim-seal -d --password-file bad -o p3.out p.p7m
	assert_failure 1
	assert_output --partial "wrong password"
	assert_file_not_exists p3.out
	run tim-seal --compat --password-fd 3 -o pc.p7m data.bin 3< pw
	assert_success
	openssl cms -decrypt -binary -inform DER -in pc.p7m -pwri_password 'correct horse battery' | cmp - data.bin
}

@test "-p asks on the terminal, twice when sealing" {
	command -v script >/dev/null 2>&1 || skip "script(1) is not installed"
	# The prompt flushes typed-ahead input, so the answers wait for it.
	(sleep 2; printf 'tty secret phrase 7\n'; sleep 1; printf 'tty secret phrase 7\n'; sleep 1) |
	    script -qec "tim-seal -p -o t.p7m data.bin" /dev/null > log 2>&1
	run cat log
	assert_output --partial "Password again:"
	assert_output --partial "encrypted 'data.bin' -> 't.p7m'"
	(sleep 2; printf 'tty secret phrase 7\n'; sleep 1) |
	    script -qec "tim-seal -d -p -o t.out t.p7m" /dev/null > log 2>&1
	cmp t.out data.bin
	# Without a controlling terminal there is nobody to ask.
	run setsid -w tim-seal -d -p -o u.out t.p7m < /dev/null
	assert_failure 2
	assert_output --partial "no terminal to ask for the password"
	assert_file_not_exists u.out
}

@test "passwords never come from argv; a readable password file is refused" {
	run tim-seal --password=secret -o p.p7m data.bin
	assert_failure 2
	printf 'secret\n' > pw
	chmod 644 pw
	run tim-seal --password-file pw -o p.p7m data.bin
	assert_failure 3
	assert_output --partial "accessible by group or others"
	assert_file_not_exists p.p7m
}

@test "openssl cms -encrypt with CRYPTREC algorithms: tim-seal opens it" {
	openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform DER -out g.der \
	    -recip rsa.pem -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 \
	    -keyopt rsa_mgf1_md:sha256
	run tim-seal -d --key rsa.key --cert rsa.pem -o g.out g.der
	assert_success
	cmp g.out data.bin
	openssl cms -encrypt -binary -stream -aes-256-gcm -in data.bin -outform DER -out s.der \
	    -recip rsa.pem -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256
	run tim-seal -d --key rsa.key --cert rsa.pem -o s.out s.der
	assert_success
	cmp s.out data.bin
	openssl cms -encrypt -binary -aes-128-cbc -in data.bin -outform DER -out e.der \
	    -recip ec.pem -keyopt ecdh_kdf_md:sha256
	run tim-seal -d --key ec.key --cert ec.pem -o e.out e.der
	assert_success
	cmp e.out data.bin
}

@test "refused on open: PKCS#1 v1.5, 3DES, SHA-1 KDF, SHA-1 PBKDF2" {
	openssl cms -encrypt -binary -aes-256-cbc -in data.bin -outform DER -out v15.der -recip rsa.pem
	run tim-seal -d --key rsa.key --cert rsa.pem -o v15.out v15.der
	assert_failure 1
	assert_output --partial "PKCS#1 v1.5 key transport is refused"
	assert_file_not_exists v15.out
	run tim-seal -d --allow-legacy --key rsa.key --cert rsa.pem -o v15.out v15.der
	assert_success
	cmp v15.out data.bin
	openssl cms -encrypt -binary -des3 -in data.bin -outform DER -out des.der -recip rsa.pem \
	    -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256
	run tim-seal -d --key rsa.key --cert rsa.pem -o des.out des.der
	assert_failure 1
	assert_output --partial "content encryption 'des-ede3-cbc' is refused"
	openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform DER -out sha1.der -recip ec.pem
	run tim-seal -d --key ec.key --cert ec.pem -o sha1.out sha1.der
	assert_failure 1
	assert_output --partial "key agreement with the SHA-1 KDF is refused (--allow-legacy opens it)"
	assert_file_not_exists sha1.out
	# OpenSSL's default for an EC recipient opens for a one-off receipt, and says so.
	run --separate-stderr tim-seal -d --allow-legacy --key ec.key --cert ec.pem -o sha1.out sha1.der
	assert_success
	[[ $stderr == *"accepted a legacy algorithm not on the CRYPTREC list (--allow-legacy): ecdh sha1kdf"* ]]
	cmp sha1.out data.bin
	openssl cms -encrypt -binary -aes-256-cbc -in data.bin -outform DER -out pw.der -pwri_password secret
	printf 'secret\n' > pw
	chmod 600 pw
	run tim-seal -d --password-file pw -o pw.out pw.der
	assert_failure 1
	assert_output --partial "PBKDF2 HMAC-SHA-1 is refused (--allow-legacy opens it)"
	assert_file_not_exists pw.out
	run tim-seal -d --allow-legacy --json --password-file pw -o pw.out pw.der
	assert_success
	assert_output --partial '"legacy":["pbkdf2 hmacWithSHA1 2048 iterations"]'
	assert_output --partial '"integrity":"none"'
	assert_output --partial "is not authenticated (AES-CBC without a signature)"
	cmp pw.out data.bin
	rm v15.out sha1.out pw.out
	assert_clean
}

@test "refused recipients: weak RSA, expired, key usage without encipherment" {
	run tim-seal -r weak.pem data.bin
	assert_failure 1
	assert_output --partial "RSA keys under 2048 bits are refused"
	run tim-seal -r old.pem data.bin
	assert_failure 1
	assert_output --partial "certificate 'old.pem' expired on"
	run tim-seal -r future.pem data.bin
	assert_failure 1
	assert_output --partial "certificate 'future.pem' is not valid before 2040-01-01T00:00:00Z"
	run tim-seal -r signonly.pem data.bin
	assert_failure 1
	assert_output --partial "key usage does not allow key encipherment"
	assert_file_not_exists data.bin.p7m
	run tim-seal --allow-expired -r old.pem data.bin
	assert_success
	run tim-seal -d --key old.key --cert old.pem -o o data.bin.p7m
	assert_success
	cmp o data.bin
}

@test "a private key readable by others is refused" {
	tim-seal -r rsa.pem -o x.p7m data.bin
	chmod 644 rsa.key
	run tim-seal -d --key rsa.key --cert rsa.pem -o x.out x.p7m
	assert_failure 3
	assert_output --partial "accessible by group or others"
	assert_file_not_exists x.out
}

@test "tamper: one flipped byte anywhere is exit 1 and leaves nothing" {
	tim-seal -r rsa.pem -r ec.pem -o t.p7m data.bin
	size=$(stat -c %s t.p7m)
	for off in 0 5 40 200 400 700 1000 150000 $((size - 40)) $((size - 20)) $((size - 3)); do
		cp t.p7m x.p7m
		b=$(od -An -tu1 -j "$off" -N1 x.p7m | tr -d ' ')
		printf "$(printf '\\%03o' $(( (b ^ 1) & 255 )))" |
		    dd of=x.p7m bs=1 seek="$off" conv=notrunc 2>/dev/null
		run tim-seal -d --key rsa.key --cert rsa.pem -o x.out x.p7m
		assert_failure 1
		assert_file_not_exists x.out
		assert_clean
	done
	# A cut envelope fails the same way.
	head -c $((size - 30)) t.p7m > cut.p7m
	run tim-seal -d --key ec.key --cert ec.pem -o x.out cut.p7m
	assert_failure 1
	assert_file_not_exists x.out
}

@test "wrong key: exit 1, no output" {
	tim-seal -r rsa.pem -o w.p7m data.bin
	run tim-seal -d --key other.key --cert other.pem -o w.out w.p7m
	assert_failure 1
	assert_output --partial "not addressed to 'other.pem'"
	run tim-seal -d --key other.key --cert rsa.pem -o w.out w.p7m
	assert_failure 1
	assert_output --partial "does not match key"
	assert_file_not_exists w.out
	assert_clean
}

@test "--sign: RSA-PSS SignedData inside, verified against --ca" {
	run tim-seal -r rsa.pem --sign signer.key --signer signer.pem -o s.p7m data.bin
	assert_success
	run tim-seal --inspect s.p7m
	assert_output --partial "content: data"
	run tim-seal -d --key rsa.key --cert rsa.pem --ca signer.pem -o s.out s.p7m
	assert_success
	assert_output --partial "signed by CN=signer, O=Example (certificate verified against the CA file)"
	cmp s.out data.bin
	run tim-seal -d --key rsa.key --cert rsa.pem --ca rsa.pem -o s2.out s.p7m
	assert_failure 1
	assert_output --partial "signature verification failed"
	assert_file_not_exists s2.out
	# The partner checks it with openssl alone: decrypt, then verify.
	openssl cms -decrypt -binary -inform DER -in s.p7m -recip rsa.pem -inkey rsa.key |
	    openssl cms -verify -binary -inform DER -CAfile signer.pem -out v 2>/dev/null
	cmp v data.bin
	openssl cms -decrypt -binary -inform DER -in s.p7m -recip rsa.pem -inkey rsa.key -out inner
	run openssl cms -cmsout -print -inform DER -in inner
	assert_output --partial "rsassaPss"
}

@test "an envelope tim 0.x signed (bare SignedData under id-signedData) still opens" {
	# Rebuild the old form with openssl: encrypt the bare SignedData as signedData content.
	openssl cms -sign -binary -nodetach -outform DER -in data.bin -signer signer.pem \
	    -inkey signer.key -out ci.der
	# Strip the ContentInfo (SEQUENCE, OID, [0]) to the SignedData inside.
	off=$(openssl asn1parse -inform DER -in ci.der | awk -F: '$0 ~ /d=2/ { print $1 + 0; exit }')
	tail -c +$((off + 1)) ci.der > sd.der
	openssl cms -encrypt -binary -aes-256-gcm -inform DER -outform DER -in sd.der \
	    -recip rsa.pem -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -out new.p7m
	# openssl labels it id-data; relabel it id-signedData (not covered by the tag).
	perl -0777 -pe 's/\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01/\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02/' \
	    new.p7m > old.p7m
	run tim-seal --inspect old.p7m
	assert_output --partial "content: signedData"
	run tim-seal -d --key rsa.key --cert rsa.pem --ca signer.pem -o old.out old.p7m
	assert_success
	assert_output --partial "signed by CN=signer"
	cmp old.out data.bin
}

@test "--compat --sign: a changed byte in CBC content fails the signature" {
	head -c 100000 /dev/zero > zeros
	tim-seal --compat -r rsa.pem --sign signer.key --signer signer.pem -o c.p7m zeros
	size=$(stat -c %s c.p7m)
	for off in $((size / 2)) $((size / 3)); do
		cp c.p7m x.p7m
		printf 'Z' | dd of=x.p7m bs=1 seek="$off" conv=notrunc 2>/dev/null
		run tim-seal -d --key rsa.key --cert rsa.pem --ca signer.pem -o x.out x.p7m
		assert_failure 1
		assert_file_not_exists x.out
	done
	run tim-seal -d --key rsa.key --cert rsa.pem --ca signer.pem -o c.out c.p7m
	assert_success
	cmp c.out zeros
}

@test "--sign with ECDSA, and a signer key that does not match is refused" {
	run tim-seal -r ec.pem --sign ecsigner.key --signer ecsigner.pem -o s.p7m data.bin
	assert_success
	run tim-seal -d --json --key ec.key --cert ec.pem --ca ecsigner.pem -o s.out s.p7m
	assert_success
	assert_output --partial '"chain_verified":true'
	cmp s.out data.bin
	run tim-seal -r ec.pem --sign ecsigner.key --signer signer.pem -o t.p7m data.bin
	assert_failure 1
	assert_output --partial "does not match the key"
}

@test "bundles: a directory as tar, several files as zip, extracted safely" {
	mkdir -p docs/sub
	echo one > docs/a.txt
	echo two > docs/sub/b.txt
	ln -s a.txt docs/link
	run tim-seal -r rsa.pem docs
	assert_success
	assert_output "encrypted 3 files as one tar -> 'docs.tar.p7m' (aes-256-gcm; recipients: 1)"
	mkdir out
	run tim-seal -d --key rsa.key --cert rsa.pem -C out docs.tar.p7m
	assert_success
	assert_output "opened 'docs.tar.p7m' -> 3 files in 'out'"
	cmp out/docs/a.txt docs/a.txt
	cmp out/docs/sub/b.txt docs/sub/b.txt
	[ "$(readlink out/docs/link)" = a.txt ]
	# Extracting again does not replace anything.
	run tim-seal -d --key rsa.key --cert rsa.pem -C out docs.tar.p7m
	assert_failure 3
	assert_output --partial "File exists"
	run tim-seal --zip -r rsa.pem -o z.zip.p7m docs/a.txt docs/sub
	assert_success
	mkdir z
	cd z
	run tim-seal -d --key ../rsa.key --cert ../rsa.pem ../z.zip.p7m
	assert_success
	cmp a.txt ../docs/a.txt
	cmp sub/b.txt ../docs/sub/b.txt
}

@test "bundles: -C takes an absolute directory or one reached through .." {
	mkdir -p docs out/abs out/rel
	echo one > docs/a.txt
	run tim-seal -r rsa.pem docs
	assert_success
	run tim-seal -d --key rsa.key --cert rsa.pem -C "$PWD/out/abs" docs.tar.p7m
	assert_success
	cmp out/abs/docs/a.txt docs/a.txt
	run tim-seal -d --key rsa.key --cert rsa.pem -C "../${PWD##*/}/out/rel" docs.tar.p7m
	assert_success
	cmp out/rel/docs/a.txt docs/a.txt
}

@test "hostile bundles: .., absolute paths and links out are refused" {
	python3 - <<'EOF'
import io, tarfile
def add(t, name, data=b"x", link=None):
    i = tarfile.TarInfo(name)
    if link is not None:
        i.type = tarfile.SYMTYPE
        i.linkname = link
        t.addfile(i)
    else:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
for n, spec in {"dotdot": ("../evil", None), "abs": ("/tmp/evil", None),
                "link": ("l", "../../etc")}.items():
    with tarfile.open(n + ".tar", "w") as t:
        add(t, "ok.txt")
        add(t, spec[0], link=spec[1])
EOF
	for n in dotdot abs link; do
		tim-seal -r rsa.pem $n.tar
		mkdir x-$n
		run tim-seal -d --key rsa.key --cert rsa.pem -C x-$n $n.tar.p7m
		assert_failure 1
		run ls -A x-$n
		assert_output ""
	done
	assert_file_not_exists ../evil
}

@test "--inspect needs no key; --json" {
	printf 'pw-for-inspect\n' > pw
	chmod 600 pw
	tim-seal -r rsa.pem -r ec.pem --password-file pw -o i.p7m data.bin 2>/dev/null
	run tim-seal --inspect i.p7m
	assert_success
	assert_line "format: authEnvelopedData, aes-256-gcm, tag 16 bytes"
	assert_line --partial "recipient 1: ktri issuer=CN=rsa, O=Example serial="
	assert_line --partial "rsaes-oaep sha256 mgf1-sha256"
	assert_line --partial "dhSinglePass-stdDH-sha256kdf-scheme id-aes256-wrap"
	assert_line --partial "pbkdf2 hmacWithSHA256 iterations 600000"
	assert_line "encrypted content: 300000 bytes; encrypted file: $(stat -c %s i.p7m) bytes"
	run tim-seal --inspect --json i.p7m
	assert_success
	echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recipients"]) == 3 and d["encrypted_size"] == 300000'
	run tim-seal --inspect data.bin
	assert_failure 1
}

@test "stdin and stdout with '-'" {
	run bash -c 'tim-seal -r rsa.pem - < data.bin > s.p7m'
	assert_success
	run bash -c 'tim-seal -d -q --key rsa.key --cert rsa.pem -o - - < s.p7m > s.out'
	assert_success
	cmp s.out data.bin
	run tim-seal -d --key rsa.key --cert rsa.pem s.p7m.bin
	assert_failure 2
}

@test "an empty file: GCM, CBC and signed, openssl opens it" {
	: > empty
	run tim-seal -r rsa.pem -o e.p7m empty
	assert_success
	openssl cms -decrypt -binary -inform DER -in e.p7m -recip rsa.pem -inkey rsa.key -out o1
	assert_file_empty o1
	run tim-seal -d --key rsa.key --cert rsa.pem -o o2 e.p7m
	assert_success
	assert_file_empty o2
	tim-seal --compat -r ec.pem --sign signer.key --signer signer.pem -o c.p7m empty
	run tim-seal -d --key ec.key --cert ec.pem --ca signer.pem -o o3 c.p7m
	assert_success
	assert_file_empty o3
}

@test "a regular file gives DER, a stream BER; openssl opens both" {
	tim-seal -r rsa.pem -o der.p7m data.bin
	run od -An -tx1 -N2 der.p7m
	assert_output " 30 83"
	run openssl asn1parse -inform DER -in der.p7m
	assert_success
	tim-seal -r rsa.pem -o ber.p7m - < data.bin
	run od -An -tx1 -N2 ber.p7m
	assert_output " 30 80"
	for f in der ber; do
		openssl cms -decrypt -binary -inform DER -in $f.p7m -recip rsa.pem \
		    -inkey rsa.key | cmp - data.bin
	done
}

@test "the output is never overwritten" {
	echo keep > data.bin.p7m
	run tim-seal -r rsa.pem data.bin
	assert_failure 3
	assert_output --partial "cannot create 'data.bin.p7m'"
	[ "$(cat data.bin.p7m)" = keep ]
}

@test "--ledger records the send" {
	tim-ledger init --origin test reg.tim
	run tim-seal -r rsa.pem -r ec.pem --ledger reg.tim data.bin
	assert_success
	run tim-ledger list --json reg.tim
	assert_success
	echo "$output" | python3 -c '
import json, sys, hashlib
r = [json.loads(l) for l in sys.stdin if l.strip()][-1]
assert r["kind"] == "send" and r["item"] == "data.bin", r
assert r["to"] == "CN=rsa, O=Example; CN=ec, O=Example", r["to"]
assert r["plaintext_sha256"] == hashlib.sha256(open("data.bin","rb").read()).hexdigest()
assert r["envelope_sha256"] == hashlib.sha256(open("data.bin.p7m","rb").read()).hexdigest()
assert len(r["recipients"]) == 2 and len(r["recipients"][0]["sha256"]) == 64
assert r["content_encryption"] == "aes-256-gcm"
'
	run tim-ledger verify reg.tim
	assert_success
}

@test "a 256 MiB file seals and opens in bounded memory" {
	[ -x /usr/bin/time ] || skip "GNU time is not installed"
	truncate -s 256M big
	run /usr/bin/time -f "rss %M" tim-seal -q -r rsa.pem big
	assert_success
	seal_kb=$(echo "$output" | sed -n 's/^rss //p')
	run /usr/bin/time -f "rss %M" tim-seal -q -d --key rsa.key --cert rsa.pem -o big.out big.p7m
	assert_success
	open_kb=$(echo "$output" | sed -n 's/^rss //p')
	echo "seal ${seal_kb} KiB, open ${open_kb} KiB" >&3
	[ "$seal_kb" -lt 131072 ]
	[ "$open_kb" -lt 131072 ]
	cmp big big.out
	rm -f big big.out big.p7m
}

@test "messages in Japanese" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "the ja_JP.UTF-8 locale is not installed"
	run env LC_ALL=ja_JP.UTF-8 tim-seal -r weak.pem data.bin
	assert_failure 1
	assert_output --partial "2048 ビット未満の RSA 鍵は拒否します"
}

# --- label policy (告示 V 第三 10 with the labels of I 第二 1) -----------------------

@test "label policy: 極秘 is refused to an outside recipient, nothing is written" {
	echo secret > plan.txt
	tim-mark -q -l 極秘 plan.txt
	run --separate-stderr tim-seal -r partner.pem -o out.p7m 【極秘】plan.txt
	assert_failure 1
	[[ $stderr == *"'【極秘】plan.txt' is labelled 極秘 and may not be sealed to an outside recipient ('partner.pem')"* ]]
	assert_file_not_exists out.p7m
	# a password is never inside either
	printf 'pw-long-enough\n' > pw
	run tim-seal --password-file pw -o out.p7m 【極秘】plan.txt
	assert_failure 1
	assert_file_not_exists out.p7m
	# 社外秘 is not forbidden by default
	echo memo > memo.txt
	tim-mark -q -l 社外秘 memo.txt
	run tim-seal -q -r partner.pem -o memo.p7m 【社外秘】memo.txt
	assert_success
	assert_file_exists memo.p7m
}

@test "label policy: inside recipients are certificates whose addresses are all in [seal] inside-domains" {
	echo secret > plan.txt
	tim-mark -q -l 極秘 plan.txt
	run tim-seal -r inside.pem -o a.p7m 【極秘】plan.txt
	assert_failure 1
	printf '[seal]\ninside-domains = other.example, example.co.jp\n' > "$TIM_CONFIG"
	run tim-seal -q -r inside.pem -o a.p7m 【極秘】plan.txt
	assert_success
	# one outside recipient among inside ones is enough to refuse
	run tim-seal -r inside.pem -r partner.pem -o b.p7m 【極秘】plan.txt
	assert_failure 1
	assert_file_not_exists b.p7m
	# a folder label applies to what is bundled from below it
	mkdir dir && echo x > dir/a.txt && tim-mark -q --carriers folder -l 極秘 dir
	run tim-seal -r partner.pem -o d.p7m dir
	assert_failure 1
	# forbid-outside names the levels
	printf '[seal]\nforbid-outside = 極秘, 秘\n' > "$TIM_CONFIG"
	echo y > s.txt
	tim-mark -q -l 秘 s.txt
	run tim-seal -r partner.pem -o s.p7m 【秘】s.txt
	assert_failure 1
}

@test "label policy: --override sends it anyway, needs a ledger, and the reason is recorded" {
	echo secret > plan.txt
	tim-mark -q -l 極秘 plan.txt
	run tim-seal -r partner.pem -o o.p7m --override "承認番号 42" 【極秘】plan.txt
	assert_failure 2
	assert_output --partial "an override must be recorded"
	assert_file_not_exists o.p7m
	tim-ledger init -q reg.tim
	run --separate-stderr tim-seal -r partner.pem -o o.p7m --ledger reg.tim --override "承認番号 42" 【極秘】plan.txt
	assert_success
	[[ $stderr == *"by override: 承認番号 42"* ]]
	assert_file_exists o.p7m
	run tim-ledger list --json --kind send reg.tim
	python3 -c 'import json, sys
o = json.loads(sys.argv[1])
assert o["override"] == "承認番号 42", o
assert o["labels"] == [{"file": "【極秘】plan.txt", "level": "極秘"}], o' "$output"
	run tim-ledger verify reg.tim
	assert_success
}

# A tar or zip with the given entries: name, then "->target" for a link,
# "=>target" for a hard link, else the content.
mkbundle() {
	python3 - "$@" <<'PY'
import io, sys, tarfile, zipfile
out, entries = sys.argv[1], sys.argv[2:]
if out.endswith(".zip"):
    with zipfile.ZipFile(out, "w") as z:
        for e in entries:
            name, _, val = e.partition(":")
            if val.startswith("->"):
                i = zipfile.ZipInfo(name)
                i.create_system = 3
                i.external_attr = (0o120777 << 16)
                z.writestr(i, val[2:])
            else:
                z.writestr(name, val)
else:
    with tarfile.open(out, "w") as t:
        for e in entries:
            name, _, val = e.partition(":")
            i = tarfile.TarInfo(name)
            if val.startswith("->"):
                i.type, i.linkname = tarfile.SYMTYPE, val[2:]
                t.addfile(i)
            elif val.startswith("=>"):
                i.type, i.linkname = tarfile.LNKTYPE, val[2:]
                t.addfile(i)
            elif val == "/":
                i.type = tarfile.DIRTYPE
                t.addfile(i)
            else:
                i.size = len(val)
                t.addfile(i, io.BytesIO(val.encode()))
PY
}

@test "hostile bundles: chained links are judged against the tree as extracted (tar and zip)" {
	for f in tar zip; do
		# b -> . then c -> b/b/b/../../.. : three levels up through links, counted as one down
		mkbundle chain.$f "ok.txt:x" "b:->." "c:->b/b/b/../../.."
		# a dangling link that would climb once something is made
		mkbundle dangle.$f "ok.txt:x" "b:->." "d:->b/b/nothing/../.."
		# links that stay inside, through a chain, are kept
		mkbundle good.$f "dir/a.txt:A" "b:->." "l:->b/b/dir/a.txt" "later:->notyet.txt"
		for n in chain dangle good; do
			tim-seal -q -r rsa.pem -o $n.$f.p7m $n.$f
		done
		for n in chain dangle; do
			mkdir x-$n-$f
			run tim-seal -d --key rsa.key --cert rsa.pem -C x-$n-$f $n.$f.p7m
			assert_failure 1
			assert_output --regexp "bundle entry '(c|d)' links outside"
			run ls -A x-$n-$f
			assert_output ""
		done
		mkdir x-good-$f
		run tim-seal -d --key rsa.key --cert rsa.pem -C x-good-$f good.$f.p7m
		assert_success
		[ "$(cat x-good-$f/l)" = A ]
		[ "$(readlink x-good-$f/later)" = notyet.txt ]
	done
}

@test "bundles: files come out 0600 and folders 0700 like a single output; -C makes a missing folder" {
	mkbundle perm.tar "d/:/" "d/a.txt:A" "run.sh:#!/bin/sh"
	tim-seal -q -r rsa.pem -o perm.tar.p7m perm.tar
	run tim-seal -d --key rsa.key --cert rsa.pem -C new/sub perm.tar.p7m
	assert_success
	[ "$(stat -c %a new/sub/d/a.txt)" = 600 ]
	[ "$(stat -c %a new/sub/run.sh)" = 600 ]
	[ "$(stat -c %a new/sub/d)" = 700 ]
	[ "$(stat -c %a new/sub)" = 700 ]
}

@test "bundles: an entry held twice is named; a hard link to nothing inside is refused" {
	mkbundle dup.tar "a.txt:one" "b.txt:x" "a.txt:two"
	tim-seal -q -r rsa.pem -o dup.tar.p7m dup.tar
	mkdir x
	run tim-seal -d --key rsa.key --cert rsa.pem -C x dup.tar.p7m
	assert_failure 1
	assert_output "tim-seal: bundle holds 'a.txt' twice"
	run ls -A x
	assert_output ""
	mkbundle hard.tar "a.txt:one" "h:=>../../etc/passwd"
	tim-seal -q -r rsa.pem -o hard.tar.p7m hard.tar
	run tim-seal -d --key rsa.key --cert rsa.pem -C x hard.tar.p7m
	assert_failure 1
	assert_output --partial "bundle entry 'h' links outside"
	mkbundle hard2.tar "a.txt:one" "h:=>a.txt"
	tim-seal -q -r rsa.pem -o hard2.tar.p7m hard2.tar
	run tim-seal -d --key rsa.key --cert rsa.pem -C x hard2.tar.p7m
	assert_success
	[ "$(stat -c %h x/h)" = 2 ]
}

@test "kill -9 during -C extraction: the next run removes the plaintext it left and says so" {
	mkdir big
	head -c 150000000 /dev/zero > big/z1
	cp big/z1 big/z2
	tim-seal -q -r rsa.pem -o big.tar.p7m big
	rm -r big
	mkdir out
	left=
	for try in 1 2 3 4 5 6 7 8; do
		tim-seal -d --key rsa.key --cert rsa.pem -C out big.tar.p7m >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 1 400); do
			compgen -G 'out/.tim-seal-*/big/z1' >/dev/null && break
			sleep 0.01
		done
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		if compgen -G 'out/.tim-seal-*' >/dev/null; then left=1; break; fi
		rm -rf out/big
	done
	[ -n "$left" ] || skip "could not catch the extraction in 8 tries"
	[ ! -e out/big ]
	run tim-seal -d --key rsa.key --cert rsa.pem -C out big.tar.p7m
	assert_success
	assert_output --regexp "removed the plaintext an interrupted run left in 'out/\.tim-seal-[A-Za-z0-9]+'"
	run compgen -G 'out/.tim-seal-*'
	assert_failure
	cmp -n 150000000 out/big/z1 /dev/zero
}

@test "--compat: a flipped byte is said to be undetectable; [seal] allow-unauthenticated = no refuses it" {
	head -c 100000 /dev/zero > zeros
	tim-seal -q --compat -r rsa.pem -o c.p7m zeros
	size=$(stat -c %s c.p7m)
	printf 'Z' | dd of=c.p7m bs=1 seek=$((size - 5000)) conv=notrunc 2>/dev/null
	run --separate-stderr tim-seal -d --key rsa.key --cert rsa.pem -o c.out c.p7m
	assert_success
	[[ $stderr == *"'c.p7m' is not authenticated (AES-CBC without a signature): a change made to it on the way cannot be detected"* ]]
	run tim-seal -d --json --key rsa.key --cert rsa.pem -o c2.out c.p7m
	assert_output --partial '"integrity":"none"'
	run tim-seal --inspect c.p7m
	assert_line "integrity: none of its own (AES-CBC); only a signature inside, if any, shows a change"
	printf '[seal]\nallow-unauthenticated = no\n' > tim.conf
	run tim-seal -d --key rsa.key --cert rsa.pem -o c3.out c.p7m
	assert_failure 1
	assert_output "tim-seal: 'c.p7m' is not authenticated (AES-CBC without a signature) and [seal] allow-unauthenticated = no refuses it"
	assert_file_not_exists c3.out
	# signed CBC has a signature to show changes: allowed
	tim-seal -q --compat -r rsa.pem --sign signer.key --signer signer.pem -o cs.p7m zeros
	run tim-seal -d --key rsa.key --cert rsa.pem -o cs.out cs.p7m
	assert_success
	cmp cs.out zeros
}

@test "an envelope whose version field is wrong is refused" {
	tim-seal -q -r rsa.pem -o v.p7m data.bin
	tim-seal -q --compat -r rsa.pem -o cv.p7m data.bin
	# the version INTEGER follows the SEQUENCE headers: 02 01 00 -> 02 01 07
	perl -0777 -pe 's/\x02\x01\x00/\x02\x01\x07/' v.p7m > v7.p7m
	perl -0777 -pe 's/\x02\x01\x00/\x02\x01\x01/' cv.p7m > cv1.p7m
	for f in v7 cv1; do
		run tim-seal -d --key rsa.key --cert rsa.pem -o $f.out $f.p7m
		assert_failure 1
		assert_output "tim-seal: malformed encrypted file: wrong version field"
		assert_file_not_exists $f.out
	done
}

@test "-d --ledger appends a receive record: envelope hash, signer, recipients, files, labels, legacy" {
	tim-ledger init -q reg.tim
	mkdir -p pkg/sub
	printf 'spec\n' > pkg/a.txt
	printf 'x\n' > pkg/sub/b.txt
	tim-mark -q -l 秘 --carriers content pkg/a.txt
	tim-seal -q -r rsa.pem --sign signer.key --signer signer.pem -o pkg.tar.p7m pkg
	mkdir in
	run tim-seal -d -v --key rsa.key --cert rsa.pem --ca signer.pem --ledger reg.tim -C in pkg.tar.p7m
	assert_success
	assert_output --partial "recorded receive #1 in 'reg.tim'"
	rec=$(tail -n 1 reg.tim)
	[ "$(jq -r .kind <<<"$rec")" = receive ]
	[ "$(jq -r .item <<<"$rec")" = pkg.tar.p7m ]
	[ "$(jq -r .from <<<"$rec")" = "CN=signer, O=Example" ]
	[ "$(jq -r .envelope_sha256 <<<"$rec")" = "$(sha256sum pkg.tar.p7m | cut -d' ' -f1)" ]
	[ "$(jq -r '.recipients[0].issuer' <<<"$rec")" = "CN=rsa, O=Example" ]
	[ "$(jq -r '.files[] | select(.name == "pkg/a.txt") | .sha256' <<<"$rec")" = "$(sha256sum pkg/a.txt | cut -d' ' -f1)" ]
	[ "$(jq -r '.files[] | select(.name == "pkg/sub/b.txt") | .size' <<<"$rec")" = 2 ]
	[ "$(jq -r '.labels[0].level' <<<"$rec")" = 秘 ]
	[ "$(jq -r '.labels[0].file' <<<"$rec")" = in/pkg/a.txt ]
	[ "$(jq -r .integrity <<<"$rec")" = tag ]
	run tim-ledger verify reg.tim
	assert_success
	# unsigned, from a partner named on the command line, a legacy algorithm accepted
	openssl cms -encrypt -binary -aes-256-cbc -in data.bin -outform DER -out v15.der -recip rsa.pem
	run tim-seal -d -q --allow-legacy --key rsa.key --cert rsa.pem --ledger reg.tim --from "Partner KK" -o v15.out v15.der
	assert_success
	rec=$(tail -n 1 reg.tim)
	[ "$(jq -r .from <<<"$rec")" = "Partner KK" ]
	[ "$(jq -r .item <<<"$rec")" = v15.out ]
	[ "$(jq -r '.legacy[0]' <<<"$rec")" = rsa-pkcs1-v1.5 ]
	[ "$(jq -r .integrity <<<"$rec")" = none ]
	[ "$(jq -r '.files[0].sha256' <<<"$rec")" = "$(sha256sum data.bin | cut -d' ' -f1)" ]
	# --from and --ledger belong to -d; --inspect takes neither
	run tim-seal --inspect --ledger reg.tim v15.der
	assert_failure 2
	run tim-seal -r rsa.pem --from x data.bin
	assert_failure 2
	assert_output --partial "opening options need -d"
}

@test "-d writes to the current directory; never replaces without --force" {
	mkdir env here
	tim-seal -q -r rsa.pem -o env/data.bin.p7m data.bin
	cd here
	run tim-seal -d --key ../rsa.key --cert ../rsa.pem ../env/data.bin.p7m
	assert_success
	assert_output "opened '../env/data.bin.p7m' -> 'data.bin'"
	cmp data.bin ../data.bin
	assert_file_not_exists ../env/data.bin
	echo keep > data.bin
	run tim-seal -d --key ../rsa.key --cert ../rsa.pem ../env/data.bin.p7m
	assert_failure 3
	assert_output --partial "cannot create 'data.bin' (--force replaces it)"
	[ "$(cat data.bin)" = keep ]
	run tim-seal -d --force --key ../rsa.key --cert ../rsa.pem ../env/data.bin.p7m
	assert_success
	cmp data.bin ../data.bin
	[ "$(stat -c %a data.bin)" = 600 ]
	run ls -A
	assert_output "data.bin"
}

@test "passwords: under 12 characters, common, or a run of keys are refused; --weak-password records why" {
	tim-ledger init -q reg.tim
	for p in 'abc' 'short pw 11' 'Password2026!' 'qwertyuiop12' '123456789012' 'aaaaaaaaaaaaaa' '!!Himitsu1234' 'sakurasaku2026'; do
		printf '%s\n' "$p" > pw
		chmod 600 pw
		run tim-seal --password-file pw -o w.p7m data.bin
		assert_failure 1
		assert_output --regexp "^tim-seal: the password is weak: (it is shorter than 12 characters|it is on the list of common passwords|it is a run of keys or of one character|it is digits and symbols around nothing guessable); --generate-password makes a strong one, --weak-password REASON uses this one and records why$"
		assert_file_not_exists w.p7m
	done
	printf 'short pw 11\n' > pw
	run tim-seal --password-file pw -o w.p7m data.bin
	assert_output --partial "shorter than 12 characters"
	# twelve characters, counted as characters: 12 kanji pass the length rule
	printf '技術情報管理認証制度の暗号\n' > pw
	run tim-seal -q --password-file pw -o k.p7m data.bin
	assert_success
	printf 'Password2026!\n' > pw
	run tim-seal --password-file pw --weak-password "partner's system takes only this" -o w.p7m data.bin
	assert_failure 2
	assert_output --partial "a weak password must be recorded"
	run tim-seal --password-file pw --weak-password "partner's system takes only this" \
	    --ledger reg.tim -o w.p7m data.bin
	assert_success
	assert_output --partial "sealing with a weak password (it is on the list of common passwords): partner's system takes only this"
	[ "$(tail -n 1 reg.tim | jq -r .weak_password)" = "partner's system takes only this" ]
	# a site adds its own list
	printf 'tsukue no ue no mikan\n' > pw
	run tim-seal -q --password-file pw -o s.p7m data.bin
	assert_success
	printf '# ours\nTsukue no ue no mikan\n' > site.txt
	printf '[seal]\npassword-list = %s/site.txt\n' "$PWD" > tim.conf
	run tim-seal --password-file pw -o s2.p7m data.bin
	assert_failure 1
	assert_output --partial "on the list of common passwords"
	# the shipped list is where make install put it, or TIM_DATADIR
	TIM_DATADIR=/nonexistent run tim-seal --password-file pw -o s3.p7m data.bin
	assert_failure 3
	assert_output --partial "cannot read the list of common passwords '/nonexistent/common-passwords.txt'"
}

@test "--generate-password shows a strong password once on the terminal, never on stdout" {
	command -v script >/dev/null 2>&1 || skip "script(1) is not installed"
	tim-ledger init -q reg.tim
	script -qec "tim-seal --generate-password --ledger reg.tim -o g.p7m data.bin" /dev/null > log 2>&1
	run cat log
	assert_output --regexp "password for 'g\.p7m' \(shown only now; tell it by telephone or in person\): [a-km-z2-9]{4}(-[a-km-z2-9]{4}){4}"
	pw=$(grep -o '[a-km-z2-9]\{4\}\(-[a-km-z2-9]\{4\}\)\{4\}' log | tr -d '\r')
	printf '%s\n' "$pw" > pw
	chmod 600 pw
	run tim-seal -d --password-file pw -o g.out g.p7m
	assert_success
	cmp g.out data.bin
	[ "$(tail -n 1 reg.tim | jq -r .password)" = generated ]
	! grep -q "$pw" reg.tim
	# two runs, two passwords
	script -qec "tim-seal --generate-password -o g2.p7m data.bin" /dev/null > log2 2>&1
	! grep -q "$pw" log2
	# with no terminal there is nowhere to show it
	run setsid -w tim-seal --generate-password -o g3.p7m data.bin < /dev/null
	assert_failure 2
	assert_output --partial "--generate-password shows the password on the terminal, and there is none"
	assert_file_not_exists g3.p7m
	run tim-seal --generate-password --password-file pw -o g4.p7m data.bin
	assert_failure 2
	assert_output --partial "give one password source"
}

@test "-0 -: the files to seal as NUL-separated names on standard input" {
	mkdir -p proj/a
	printf 'one\n' > proj/a/x.txt
	printf 'two\n' > proj/a/y.txt
	run bash -c "printf 'proj/a/x.txt\0proj/a/y.txt\0' | tim-seal -0 -r rsa.pem -"
	assert_success
	assert_output "encrypted 2 files as one tar -> 'proj/a.tar.p7m' (aes-256-gcm; recipients: 1)"
	mkdir out
	run tim-seal -d --key rsa.key --cert rsa.pem -C out proj/a.tar.p7m
	assert_success
	assert_output "opened 'proj/a.tar.p7m' -> 2 files in 'out'"
	cmp out/y.txt proj/a/y.txt
	# without -0, '-' is still the content itself
	run bash -c "printf 'content' | tim-seal -r rsa.pem -o c.p7m -"
	assert_success
	run tim-seal -d -q --key rsa.key --cert rsa.pem -o - c.p7m
	assert_output content
	run tim-seal -0 -r rsa.pem - < /dev/null
	assert_failure 2
	assert_output --partial "nothing to encrypt"
}

@test "tim-seal holds passwords and keys in a process that cannot be dumped" {
	[ "$(cat /proc/sys/kernel/core_pattern)" = core ] ||
		skip "cores go to '$(cat /proc/sys/kernel/core_pattern)', not to a file this test can look for"
	ulimit -c unlimited
	# the same kill makes a core of an ordinary process: the check can fail
	sleep 3 | sleep 5 &
	pid=$!
	sleep 0.3
	kill -ABRT "$pid"
	wait "$pid" || true
	[ -e core ] || skip "this system makes no core files here"
	rm -f core
	# tim-seal waiting for the envelope on standard input, killed the same way
	sleep 3 | tim-seal --inspect - &
	pid=$!
	sleep 0.3
	kill -ABRT "$pid"
	wait "$pid" || true
	run ls core
	assert_failure
}
