#!/usr/bin/env bats
# tim-seal against the partner's real clients (issue 16): OpenSSL both ways
# for every kind of envelope, signed and unsigned, DER, PEM and S/MIME; NSS
# cmsutil (Thunderbird's library) and GnuPG's gpgsm (Kleopatra), which open
# none of the CRYPTREC envelopes. Each row asserts what the client shows, and
# that tim-seal --inspect predicts it, so that a change on either side shows.
load test_helper
# The shipped list of common passwords, wherever the build directory is.
export TIM_DATADIR="$TIM_SRC/data"

setup_file() {
	K="$BATS_FILE_TMPDIR/k"
	mkdir -p "$K"
	cd "$K" || return 1
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout rsa.key -out rsa.pem \
	    -subj "/CN=partner-rsa/O=Partner" 2>/dev/null
	openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30 \
	    -keyout ec.key -out ec.pem -subj "/CN=partner-ec/O=Partner" 2>/dev/null
	openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout signer.key -out signer.pem \
	    -subj "/CN=sender/O=Example" 2>/dev/null
	chmod 600 ./*.key
	printf 'correct horse battery staple\n' > pw
	chmod 600 pw
	head -c 200000 /dev/urandom > data.bin
	mkdir dir
	printf 'a\n' > dir/a.txt
	printf 'b\n' > dir/b.txt
	# Every kind of envelope tim makes.
	T() { tim-seal -q "$@" >/dev/null; }
	T -r rsa.pem -o gcm-rsa.p7m data.bin
	T -r ec.pem -o gcm-ec.p7m data.bin
	T --password-file pw -o gcm-pw.p7m data.bin
	T --compat -r rsa.pem -o cbc-rsa.p7m data.bin
	T --compat -r ec.pem -o cbc-ec.p7m data.bin
	T --compat --password-file pw -o cbc-pw.p7m data.bin
	T -r rsa.pem --sign signer.key --signer signer.pem -o sig-gcm-rsa.p7m data.bin
	T --compat -r rsa.pem --sign signer.key --signer signer.pem -o sig-cbc-rsa.p7m data.bin
	T -r rsa.pem -o tar-rsa.p7m dir
	# What NSS and gpgsm do open: OpenSSL's default, RSA PKCS#1 v1.5 (not CRYPTREC).
	openssl cms -encrypt -binary -aes-256-cbc -in data.bin -outform DER -recip rsa.pem -out v15.p7m
}

# A gpg-agent started for a test ends with it, whatever the test's outcome.
teardown() {
	if [ -d "$BATS_TEST_TMPDIR/gnupg" ]; then
		GNUPGHOME="$BATS_TEST_TMPDIR/gnupg" gpgconf --kill gpg-agent 2>/dev/null || true
	fi
}

setup_file_local() {
	K="$BATS_FILE_TMPDIR/k"
	cp -r "$K"/. .
}

TIM_KINDS="gcm-rsa gcm-ec gcm-pw cbc-rsa cbc-ec cbc-pw sig-gcm-rsa sig-cbc-rsa tar-rsa"

# The key options openssl needs for a kind.
ossl_key() {
	case $1 in
	*-pw) echo "-pwri_password correct horse battery staple" ;;
	*-ec) echo "-recip ec.pem -inkey ec.key" ;;
	*) echo "-recip rsa.pem -inkey rsa.key" ;;
	esac
}

@test "openssl cms -decrypt opens every envelope tim makes; signed ones verify with openssl cms -verify" {
	for k in $TIM_KINDS; do
		# shellcheck disable=SC2046
		if [ "${k#*-pw}" != "$k" ]; then
			run openssl cms -decrypt -binary -inform DER -in "$k.p7m" \
			    -pwri_password 'correct horse battery staple' -out "$k.out"
		else
			# shellcheck disable=SC2046
			run openssl cms -decrypt -binary -inform DER -in "$k.p7m" $(ossl_key "$k") -out "$k.out"
		fi
		[ "$status" -eq 0 ] || fail "openssl cannot open $k: $output"
		case $k in
		sig-*)
			run openssl cms -verify -binary -inform DER -in "$k.out" -CAfile signer.pem -out "$k.ver"
			assert_success
			assert_output --partial "Verification successful"
			cmp "$k.ver" data.bin
			# the signature is checked: a wrong CA fails
			run openssl cms -verify -binary -inform DER -in "$k.out" -CAfile rsa.pem -out /dev/null
			assert_failure
			assert_output --partial "certificate verify error"
			;;
		tar-*)
			mkdir "x-$k"
			tar -xf "$k.out" -C "x-$k"
			cmp "x-$k/dir/a.txt" dir/a.txt
			cmp "x-$k/dir/b.txt" dir/b.txt
			;;
		*)	cmp "$k.out" data.bin ;;
		esac
	done
}

@test "what openssl makes, tim opens: every kind, DER, PEM and S/MIME, signed and unsigned" {
	oaep="-keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256"
	openssl cms -sign -binary -nodetach -in data.bin -signer signer.pem -inkey signer.key \
	    -outform DER -out signed.der
	for form in DER PEM SMIME; do
		# shellcheck disable=SC2086
		openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform $form \
		    -recip rsa.pem $oaep -out "o-rsa.$form"
		openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform $form \
		    -recip ec.pem -keyopt ecdh_kdf_md:sha256 -out "o-ec.$form"
		# shellcheck disable=SC2086
		openssl cms -encrypt -binary -aes-256-gcm -inform DER -in signed.der -outform $form \
		    -recip rsa.pem $oaep -out "o-sig.$form"
		openssl cms -encrypt -binary -aes-256-cbc -in data.bin -outform $form \
		    -pwri_password 'correct horse battery staple' -out "o-pw.$form"
		want=$form
		[ "$form" = SMIME ] && want=S/MIME
		for k in rsa ec sig; do
			key=rsa
			[ $k = ec ] && key=ec
			run tim-seal -d --json --key $key.key --cert $key.pem -o "$k.$form.out" "o-$k.$form"
			assert_success
			[ "$(jq -r .encoding <<<"$output")" = "$want" ] || fail "$k $form: $output"
			cmp "$k.$form.out" data.bin
		done
		[ "$(jq -r .signer.subject <<<"$output")" = "CN=sender, O=Example" ]
		[ "$(jq -r .integrity <<<"$output")" = "tag" ]
		# openssl's password envelope: PBKDF2 with HMAC-SHA-1 and 2048 rounds, CBC.
		run tim-seal -d --password-file pw -o "pw.$form.out" "o-pw.$form"
		assert_failure 1
		assert_output --partial "PBKDF2 HMAC-SHA-1 is refused (--allow-legacy opens it)"
		run tim-seal -d --allow-legacy --password-file pw -o "pw.$form.out" "o-pw.$form"
		assert_success
		cmp "pw.$form.out" data.bin
		run tim-seal --inspect "o-rsa.$form"
		assert_success
		assert_output --partial "encoding: $want"
	done
	run tim-seal -d --key rsa.key --cert rsa.pem -o s.out o-rsa.SMIME
	assert_output --partial "'o-rsa.SMIME' is an S/MIME message; its encrypted part was opened"
	run tim-seal -d --key rsa.key --cert rsa.pem -o p.out o-rsa.PEM
	assert_output --partial "'o-rsa.PEM' is PEM text (base64); the encrypted file in it was opened"
}

@test "an S/MIME .eml with mail headers, and things that are not envelopes" {
	openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform SMIME -recip rsa.pem \
	    -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -out body
	{ printf 'From: partner@example.com\r\nTo: sysadmin@example.co.jp\r\nSubject: =?UTF-8?B?5Zuz6Z2i?=\r\n'
	  printf 'Date: Tue, 1 Dec 2026 10:00:00 +0900\r\nContent-Type: application/pkcs7-mime;\r\n'
	  printf '\tsmime-type=authEnveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	  sed -n '/^$/,$p' body | tail -n +2 | sed 's/$/\r/'; } > mail.eml
	run tim-seal -d --key rsa.key --cert rsa.pem -o m.out mail.eml
	assert_success
	cmp m.out data.bin
	{ printf 'Content-Type: multipart/mixed; boundary=x\n\n--x\n'; cat body; printf '\n--x--\n'; } > multi.eml
	run tim-seal --inspect multi.eml
	assert_failure 1
	assert_output "tim-seal: a multipart message: save its encrypted part (smime.p7m) and open that"
	run tim-seal --inspect rsa.pem
	assert_failure 1
	assert_output "tim-seal: a PEM file, but not a CMS encrypted file: -----BEGIN CERTIFICATE-----"
	printf 'hello\n' > t.txt
	run tim-seal --inspect t.txt
	assert_failure 1
	assert_output "tim-seal: not an encrypted file: neither DER, PEM (-----BEGIN CMS-----) nor an S/MIME message"
	# a damaged base64 body is refused, nothing written
	openssl cms -encrypt -binary -aes-256-gcm -in data.bin -outform PEM -recip rsa.pem \
	    -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -out o.pem
	sed '5s/^./*/' o.pem > bad.pem
	run tim-seal -d --key rsa.key --cert rsa.pem -o bad.out bad.pem
	assert_failure 1
	assert_output --partial "a character outside base64"
	assert_file_not_exists bad.out
}

# NSS: a database with both partner keys, as Thunderbird keeps them.
nss_db() {
	mkdir nss
	certutil -N -d sql:nss --empty-password
	for k in rsa ec; do
		openssl pkcs12 -export -inkey $k.key -in $k.pem -out $k.p12 -passout pass:x -name $k
		pk12util -i $k.p12 -d sql:nss -W x >/dev/null
	done
}

@test "NSS cmsutil (Thunderbird) opens none of tim's envelopes, and tim --inspect says so" {
	command -v cmsutil >/dev/null || skip "cmsutil (libnss3-tools) is not installed"
	nss_db
	# The database works: OpenSSL's PKCS#1 v1.5 envelope opens.
	run cmsutil -D -d sql:nss -i v15.p7m -o v15.out
	assert_success
	cmp v15.out data.bin
	run tim-seal --inspect --json v15.p7m
	[ "$(jq -r .clients.nss <<<"$output")" = true ]
	for k in $TIM_KINDS; do
		run cmsutil -D -d sql:nss -i "$k.p7m" -o "$k.nss"
		[ "$status" -ne 0 ] || fail "cmsutil opened $k: update the guide and --inspect"
		case $k in
		gcm-*|sig-gcm-*|tar-*) assert_output --partial "SEC_ERROR_UNRECOGNIZED_OID" ;;
		cbc-rsa|sig-cbc-rsa) assert_output --partial "SEC_ERROR_UNSUPPORTED_KEYALG" ;;
		cbc-ec) assert_output --partial "SEC_ERROR_BAD_DER" ;;
		cbc-pw) assert_output --partial "failed to decode message" ;;
		esac
		[ ! -s "$k.nss" ] || fail "cmsutil wrote plaintext for $k"
		run tim-seal --inspect --json "$k.p7m"
		[ "$(jq -r .clients.nss <<<"$output")" = false ] || fail "--inspect says NSS opens $k"
		[ "$(jq -r .clients.openssl <<<"$output")" = true ]
	done
	run tim-seal --inspect gcm-rsa.p7m
	assert_output --partial "opens with: openssl cms (OpenSSL 3) only; not NSS cmsutil (Thunderbird) nor gpgsm (Kleopatra)"
}

@test "gpgsm (Kleopatra) opens none of tim's envelopes, and tim --inspect says so" {
	command -v gpgsm >/dev/null || skip "gpgsm is not installed"
	GNUPGHOME="$BATS_TEST_TMPDIR/gnupg"
	export GNUPGHOME
	mkdir -m 700 "$GNUPGHOME"
	echo allow-loopback-pinentry > "$GNUPGHOME/gpg-agent.conf"
	printf 'disable-crl-checks\ndisable-policy-checks\n' > "$GNUPGHOME/gpgsm.conf"
	# gpgsm 2.2 reads only the old PKCS#12 ciphers; this is the key's container, not the envelope.
	openssl pkcs12 -export -inkey rsa.key -in rsa.pem -out rsa-g.p12 -passout pass:x -name rsa \
	    -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
	G() { echo x | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 "$@"; }
	run G --import rsa-g.p12
	assert_output --partial "secret keys imported: 1"
	run G --decrypt -o v15.gpg v15.p7m
	assert_success
	cmp v15.gpg data.bin
	for k in gcm-rsa cbc-rsa sig-gcm-rsa sig-cbc-rsa tar-rsa gcm-pw cbc-pw; do
		run G --decrypt -o "$k.gpg" "$k.p7m"
		[ "$status" -ne 0 ] || fail "gpgsm opened $k: update the guide and --inspect"
		case $k in
		gcm-*|sig-gcm-*|tar-*) assert_output --partial "Buffer too short" ;;
		*) assert_output --partial "decryption failed" ;;
		esac
		[ ! -s "$k.gpg" ] || fail "gpgsm wrote plaintext for $k"
		run tim-seal --inspect --json "$k.p7m"
		[ "$(jq -r .clients.gpgsm <<<"$output")" = false ]
	done
}
