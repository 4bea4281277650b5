#!/usr/bin/env bats
# tim-ledger witnesses (C2SP tlog-witness, tlog-cosignature) and RFC 3161
# time-stamps, on loopback only. Real clients: an independent cosignature
# implementation in Python's cryptography (tests/fixtures/witness.py), and
# `openssl ts -reply` as the time-stamping authority. Every server here is
# started under timeout(1) and killed in teardown.

load test_helper

W="$TIM_SRC/tests/fixtures/witness.py"
ORIGIN=example.co.jp/kanribo

setup_file_local() {
	export TIM_CONFIG=/dev/null
	python3 -c 'import cryptography' 2>/dev/null ||
		skip "python3-cryptography is missing (scripts/deps.sh check installs it)"
	tim-ledger init -q --origin "$ORIGIN" l.tim
	tim-ledger keygen -q --name kanri-log -o log.key >/dev/null
	tim-ledger witness keygen -q --name w1.example.co.jp/audit -o w1.key >/dev/null
	tim-ledger witness keygen -q --name w2.example.co.jp/soumu -o w2.key >/dev/null
	tim-ledger append -q l.tim copy item=設計図A.pdf to=USB-0001
	tim-ledger append -q l.tim copy item=設計図B.pdf to=USB-0002
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -e "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# start_witness NAME KEY [more serve options]: starts a witness under
# timeout(1) on a free loopback port; $NAME.port gets the port, $NAME.pid
# the pid of tim-ledger itself.
start_witness() {
	local name=$1 key=$2 i
	shift 2
	rm -f "$name.out"
	timeout 120 tim-ledger witness serve -k "$key" --state "$name.state" \
	    --listen 127.0.0.1:0 --log "$ORIGIN $(cat log.key.pub)" "$@" \
	    > "$name.out" 2> "$name.err" &
	echo $! > "$name.tpid"
	for i in $(seq 1 100); do
		grep -q ' port ' "$name.out" 2>/dev/null && break
		sleep 0.05
	done
	sed -n 's/.* port \([0-9]*\) .*/\1/p' "$name.out" > "$name.port"
	[ -s "$name.port" ] || { cat "$name.err" >&2; return 1; }
	pgrep -P "$(cat "$name.tpid")" > "$name.pid"
	rm -f "$name.tpid"
}

url() { echo "http://127.0.0.1:$(cat "$1.port")"; }

# held DIR: "size root" of the newest whole slot of the one state file.
held() {
	python3 - "$1" <<'PY'
import glob, re, sys
d = open(sys.argv[1] + "/state", "rb").read()
best = None
for i in range(len(d) // 2048):
    s = d[i * 2048:(i + 1) * 2048].rstrip(b"\0").decode()
    m = re.match(r"tim-witness-state v1\norigin .*\nseq (\d+)\nsize (\d+)\nroot (\S+)\nsum [0-9a-f]{64}\n$", s)
    if m and (best is None or int(m[1]) > best[0]):
        best = (int(m[1]), m[2], m[3])
print(best[1], best[2])
PY
}

# The newest note of a checkpoints file.
newest_note() {
	python3 -c 'import sys; n=open(sys.argv[1]).read().strip("\n").split("\n\n"); print(n[-2] + "\n\n" + n[-1])' "$1"
}

@test "witness keygen: a cosignature/v1 key (type 0x04), the secret 0600, the verifier printed" {
	run tim-ledger witness keygen --name w3.example -o w3.key
	assert_success
	assert_output --regexp '^w3\.example\+[0-9a-f]{8}\+B[A-P][A-Za-z0-9+/]{42}$'
	[ "$(stat -c %a w3.key)" = 600 ]
	assert_equal "$(cat w3.key.pub)" "$output"
	# The independent implementation computes the same key id for the key.
	run python3 -c "
import sys; sys.path.insert(0, '${W%/*}'); import witness as w
print(w.parse_vkey(open('w3.key.pub').read(), 4)[0])"
	assert_success
	assert_output w3.example
	run tim-ledger witness keygen -o w4.key
	assert_failure 2
	assert_output --partial 'needs --name'
	# A witness key is not a log key, and the other way round.
	run tim-ledger verify --key w3.key.pub l.tim
	assert_failure 3
	run tim-ledger verify --witness-key log.key.pub l.tim
	assert_failure 3
	assert_output --partial 'not a witness (cosignature/v1) verifier key'
}

@test "cosignatures: Python's cryptography verifies tim's, tim verifies Python's" {
	start_witness a w1.key
	run tim-ledger checkpoint -k log.key --witness "$(url a)" --witness-key w1.key.pub l.tim
	assert_success
	assert_line --partial '— w1.example.co.jp/audit '
	assert_line '1 of 1 witnesses cosigned (quorum 1)'
	newest_note l.tim.checkpoints > note
	run python3 "$W" cosig-verify w1.key.pub < note
	assert_success
	assert_output --regexp '^ok [0-9]+$'
	t=${output#ok }
	now=$(date +%s)
	[ "$t" -le "$now" ] && [ "$t" -ge $((now - 60)) ]
	# A cosignature by w2 made in Python, on the same note, is one tim accepts.
	seed=$(python3 -c 'import base64; print(base64.b64decode(open("w2.key").read().strip().split("+", 4)[4])[1:].hex())')
	body=$(python3 -c 'import sys; print(open("note").read().split("\n\n")[0])')
	line=$(printf '%s\n' "$body" | python3 "$W" cosig-sign "$seed" w2.example.co.jp/soumu 1700000000)
	{ cat note; echo "$line"; echo; } > forged.checkpoints
	run tim-ledger verify --checkpoint forged.checkpoints --witness-key w1.key.pub --witness-key w2.key.pub l.tim
	assert_success
	assert_line --partial 'witness w2.example.co.jp/soumu cosigned size 3 at 2023-11-'
	assert_line 'l.tim: witnessed: 2 of 2 cosignatures on the newest checkpoint (quorum 2)'
	# One flipped bit in Python's signature and tim refuses it.
	bad=$(printf '%s' "$line" | python3 -c 'import sys,base64; l=sys.stdin.read(); n,b=l.rsplit(" ",1); r=bytearray(base64.b64decode(b)); r[40]^=1; print(n+" "+base64.b64encode(bytes(r)).decode())')
	{ cat note; echo "$bad"; echo; } > bad.checkpoints
	run tim-ledger verify --checkpoint bad.checkpoints --witness-key w2.key.pub l.tim
	assert_failure 1
	assert_output --partial 'the cosignature by witness '"'"'w2.example.co.jp/soumu'"'"' does not verify'
}

@test "two witnesses, quorum 2: both cosign, verify --quorum 2 passes, the state is on disk" {
	start_witness a w1.key
	start_witness b w2.key
	run tim-ledger checkpoint -k log.key --witness "$(url a)" --witness "$(url b)" \
	    --witness-key w1.key.pub --witness-key w2.key.pub l.tim
	assert_success
	assert_line '2 of 2 witnesses cosigned (quorum 2)'
	tim-ledger append -q l.tim erase item=設計図A.pdf method=overwrite
	run tim-ledger checkpoint -k log.key --witness "$(url a)" --witness "$(url b)" \
	    --witness-key w1.key.pub --witness-key w2.key.pub l.tim
	assert_success
	run tim-ledger verify --key log.key.pub --witness-key w1.key.pub --witness-key w2.key.pub --quorum 2 l.tim
	assert_success
	assert_line --partial 'l.tim: ok: 3 records'
	assert_line 'l.tim: witnessed: 2 of 2 cosignatures on the newest checkpoint (quorum 2)'
	newest_note l.tim.checkpoints > note
	run python3 "$W" cosig-verify w1.key.pub < note
	assert_success
	run python3 "$W" cosig-verify w2.key.pub < note
	assert_success
	# Each witness holds size 4 and the root of the ledger, in one file per origin.
	root=$(tim-ledger verify --json l.tim | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
	run held a.state
	assert_output "4 $root"
	run held b.state
	assert_output "4 $root"
	run tim-ledger verify --json --witness-key w1.key.pub --witness-key w2.key.pub l.tim
	assert_success
	assert_line --partial '"cosignatures":2,"quorum":2,"witnessed_size":4,"ok":true}'
}

@test "a rewritten ledger re-signed by its own key: both witnesses refuse, verify --quorum 2 fails" {
	start_witness a w1.key
	start_witness b w2.key
	run tim-ledger checkpoint -k log.key --witness "$(url a)" --witness "$(url b)" l.tim
	assert_success
	assert_line 'tim-ledger: the cosignatures were not checked: give --witness-key VKEY for each witness'
	sa=$(sha256sum a.state/*[0-9a-f]); sb=$(sha256sum b.state/*[0-9a-f])
	# The key holder rewrites history: same origin, other records, one more line.
	rm l.tim l.tim.checkpoints
	tim-ledger init -q --origin "$ORIGIN" l.tim
	tim-ledger append -q l.tim copy item=別の図面.pdf to=USB-0001
	tim-ledger append -q l.tim copy item=設計図B.pdf to=USB-0002
	tim-ledger append -q l.tim note text=追記
	run tim-ledger checkpoint -k log.key --witness "$(url a)" --witness "$(url b)" \
	    --witness-key w1.key.pub --witness-key w2.key.pub l.tim
	assert_failure 1
	assert_line --partial "witness '$(url a)': refused (422)"
	assert_line --partial "witness '$(url b)': refused (422)"
	assert_line --partial 'only 0 of 2 witnesses cosigned'
	# Each witness keeps the refusal in its log: evidence of the rewrite.
	run cat a.err
	assert_line "tim-ledger: witness: refused 422 $ORIGIN size 4 with old 3: the consistency proof does not verify"
	run tim-ledger verify --key log.key.pub --witness-key w1.key.pub --witness-key w2.key.pub --quorum 2 l.tim
	assert_failure 1
	assert_line --partial "no cosignature by witness 'w1.example.co.jp/audit'"
	assert_line --partial 'FAILED: 0 of 2 witnesses cosigned the newest checkpoint (size 4); the quorum is 2'
	# A shorter rewrite is a rollback: 409 with the size the witness knows.
	rm l.tim l.tim.checkpoints
	tim-ledger init -q --origin "$ORIGIN" l.tim
	tim-ledger append -q l.tim copy item=別の図面.pdf to=USB-0001
	run tim-ledger checkpoint -k log.key --witness "$(url a)" l.tim
	assert_failure 1
	assert_line --partial 'it has already cosigned size 3 of this log, larger than this ledger'"'"'s 2 (a rollback)'
	# Neither witness moved.
	assert_equal "$(sha256sum a.state/*[0-9a-f])" "$sa"
	assert_equal "$(sha256sum b.state/*[0-9a-f])" "$sb"
}

@test "add-checkpoint: malformed, forged and unknown requests get the spec's statuses and change nothing" {
	start_witness a w1.key
	mkdir logd
	python3 "$W" log log.key "$ORIGIN" 3 logd
	run python3 "$W" post "$(url a)" logd/1
	assert_success
	assert_line --index 0 '200 text/plain; charset=utf-8'
	before=$(sha256sum a.state/*[0-9a-f])
	# 409: the old size is not what the witness holds; the body is its size.
	run python3 "$W" post "$(url a)" logd/3
	assert_output "$(printf '409 text/x.tlog.size\n1')"
	# 422: a proof that does not verify.
	sed '2s/^./A/' logd/2 > badproof
	cmp -s badproof logd/2 && sed -i '2s/^./B/' badproof
	run python3 "$W" post "$(url a)" badproof
	assert_line --index 0 --partial '422 '
	# An old size of 0 for a log it already holds: 409 again.
	{ echo 'old 0'; sed -n 2p logd/2; sed -n '3,$p' logd/2; } > zeroproof
	run python3 "$W" post "$(url a)" zeroproof
	assert_line --index 0 --partial '409 '
	# 404: an origin the witness does not know.
	sed "s|^$ORIGIN\$|other.example/log|" logd/2 > other
	run python3 "$W" post "$(url a)" other
	assert_line --index 0 --partial '404 '
	# 403: signed by another key.
	tim-ledger keygen -q --name kanri-log -o rogue.key >/dev/null
	mkdir rogued
	python3 "$W" log rogue.key "$ORIGIN" 2 rogued
	run python3 "$W" post "$(url a)" rogued/2
	assert_line --index 0 --partial '403 '
	# 400: old size larger than the checkpoint, garbage, bytes after the note,
	# a leading zero, more than 63 proof lines.
	sed '1s/.*/old 9/' logd/2 > bigold
	run python3 "$W" post "$(url a)" bigold
	assert_line --index 0 --partial '400 '
	printf 'hello\n' > garbage
	run python3 "$W" post "$(url a)" garbage
	assert_line --index 0 --partial '400 '
	assert_line --index 1 'request: bad old size line'
	{ cat logd/2; echo trailing; } > trailing
	run python3 "$W" post "$(url a)" trailing
	assert_line --index 0 --partial '400 '
	sed '1s/.*/old 01/' logd/2 > zero
	run python3 "$W" post "$(url a)" zero
	assert_line --index 0 --partial '400 '
	{ echo 'old 1'; for i in $(seq 64); do sed -n 2p logd/2; done; sed -n '3,$p' logd/2; } > long
	run python3 "$W" post "$(url a)" long
	assert_line --index 0 --partial '400 '
	assert_line --index 1 'request: more than 63 consistency proof lines'
	# A huge body is refused before it is read.
	head -c 200000 /dev/zero | tr '\0' 'a' > huge
	run python3 "$W" post "$(url a)" huge
	assert_line --index 0 --partial '400 '
	run curl -s -o /dev/null -w '%{http_code}' "$(url a)/add-checkpoint"
	assert_output 405
	run curl -s -o /dev/null -w '%{http_code}' -d x "$(url a)/other"
	assert_output 404
	assert_equal "$(sha256sum a.state/*[0-9a-f])" "$before"
	# And the good next step still works.
	run python3 "$W" post "$(url a)" logd/2
	assert_line --index 0 --partial '200 '
}

@test "concurrent add-checkpoint requests for one origin are serialised: one 200, the rest 409" {
	start_witness a w1.key
	mkdir logd
	python3 "$W" log log.key "$ORIGIN" 2 logd
	run python3 "$W" race "$(url a)" logd/1 12
	assert_success
	assert_output '200 409 409 409 409 409 409 409 409 409 409 409'
	run python3 "$W" race "$(url a)" logd/2 12
	assert_output '200 409 409 409 409 409 409 409 409 409 409 409'
	run held a.state
	assert_output --regexp '^2 '
}

@test "one witness, two logs: each origin has its own state, kept across a restart" {
	mkdir l1 l2
	python3 "$W" log log.key "$ORIGIN" 30 l1
	python3 "$W" log log.key other.example/log 20 l2
	start_witness a w1.key --log "other.example/log $(cat log.key.pub)"
	python3 "$W" flood "$(url a)" l1 1 30 d1 &
	f1=$!
	python3 "$W" flood "$(url a)" l2 1 20 d2
	wait "$f1"
	assert_equal "$(wc -l < d1) $(wc -l < d2)" "30 20"
	kill "$(cat a.pid)"
	sleep 0.2
	start_witness a w1.key --log "other.example/log $(cat log.key.pub)"
	run python3 "$W" post "$(url a)" l1/30
	assert_line --index 0 --partial '409 '
	run python3 "$W" post "$(url a)" l2/5
	assert_output "$(printf '409 text/x.tlog.size\n20')"
	# Dropped from the configuration, a log's state stays in the file.
	kill "$(cat a.pid)"
	sleep 0.2
	start_witness a w1.key
	run python3 "$W" post "$(url a)" l2/5
	assert_line --index 0 --partial '404 '
	assert_equal "$(stat -c %s a.state/state)" 8192
}

@test "a witness killed during updates keeps a consistent state, and one state has one witness" {
	mkdir logd
	python3 "$W" log log.key "$ORIGIN" 400 logd
	start_witness a w1.key
	python3 "$W" flood "$(url a)" logd 1 400 cosigned &
	flood=$!
	# Killed in the middle of the run, after 20 cosignatures.
	for i in $(seq 1 200); do
		[ "$(wc -l < cosigned 2>/dev/null || echo 0)" -ge 20 ] && break
		sleep 0.01
	done
	kill -9 "$(cat a.pid)"
	wait "$flood" || true
	# Every size the client got a cosignature for is on disk.
	last=$(tail -n 1 cosigned)
	[ -n "$last" ]
	held=$(held a.state | cut -d' ' -f1)
	[ "$held" -ge "$last" ]
	[ "$held" -le $((last + 1)) ]
	! ls a.state | grep -q tmp
	# It starts again from that state and goes on where it was.
	start_witness a w1.key
	run python3 "$W" post "$(url a)" logd/$((held + 1))
	assert_line --index 0 --partial '200 '
	# A torn write of the newest slot (its sum fails): the slot before holds.
	kill "$(cat a.pid)"
	sleep 0.2
	f=$(ls a.state/*[0-9a-f])
	seq=$(tr -d '\0' < "$f" | sed -n 's/^seq //p' | sort -n | tail -n 1)
	printf 'torn' | dd of="$f" bs=1 seek=$(( (seq % 2) * 2048 + 60 )) conv=notrunc 2>/dev/null
	start_witness a w1.key
	run held a.state
	assert_output --regexp "^$held "
	run python3 "$W" post "$(url a)" logd/$((held + 2))
	assert_output "$(printf '409 text/x.tlog.size\n%s' "$held")"
	# Both slots damaged: the witness does not start on a guess.
	kill "$(cat a.pid)"
	sleep 0.2
	head -c 4096 /dev/zero > "$f"
	run timeout 10 tim-ledger witness serve -k w1.key --state a.state --listen 127.0.0.1:0 \
	    --log "$ORIGIN $(cat log.key.pub)"
	assert_failure 3
	assert_output --partial "witness state '$f' is damaged"
	# A second witness on the same state folder is refused.
	start_witness c w1.key
	run timeout 10 tim-ledger witness serve -k w1.key --state c.state --listen 127.0.0.1:0 \
	    --log "$ORIGIN $(cat log.key.pub)"
	assert_failure 3
	assert_output --partial "is in use by another witness"
}

@test "witness and checkpoint options: usage errors say what is missing" {
	run tim-ledger witness serve -k w1.key --log "$ORIGIN $(cat log.key.pub)"
	assert_failure 2
	assert_output --partial 'needs --state DIR'
	run tim-ledger witness serve -k w1.key --state s
	assert_failure 2
	assert_output --partial "needs at least one --log 'ORIGIN VKEY'"
	run tim-ledger witness serve -k w1.key --state s --log "$ORIGIN $(cat log.key.pub)" --listen nowhere
	assert_failure 2
	assert_output --partial "give ADDRESS:PORT"
	run tim-ledger witness serve -k w1.key --state s --log "$ORIGIN" 
	assert_failure 2
	run tim-ledger witness serve -k log.key --state s --log "$ORIGIN $(cat log.key.pub)"
	assert_failure 3
	assert_output --partial 'not a witness (cosignature/v1) signer key'
	run tim-ledger witness dance
	assert_failure 2
	run tim-ledger checkpoint -k log.key --witness http://127.0.0.1:9/ --quorum 2 l.tim
	assert_failure 2
	assert_output --partial '--quorum 2 is more than the 1 witnesses given'
	run tim-ledger verify --quorum x --witness-key w1.key.pub l.tim
	assert_failure 2
	run tim-ledger verify --quorum 1 l.tim
	assert_failure 2
	# The same witness twice does not make a quorum of 2.
	run tim-ledger verify --witness-key w1.key.pub --witness-key "$(cat w1.key.pub)" --quorum 2 l.tim
	assert_failure 2
	assert_output --partial "witness key 'w1.example.co.jp/audit' is given twice"
	run tim-ledger list --witness http://x l.tim
	assert_failure 2
	# An unreachable witness: the checkpoint is kept, the run fails.
	run tim-ledger checkpoint -k log.key --witness http://127.0.0.1:9/ l.tim
	assert_failure 1
	assert_line --partial "witness 'http://127.0.0.1:9/': cannot reach"
	run tim-ledger verify --key log.key.pub l.tim
	assert_success
	# Only http and https.
	run tim-ledger checkpoint -k log.key --witness file:///etc/passwd l.tim
	assert_failure 1
}

@test "--syslog: a refusing witness and the cosignature count go to syslog (authpriv)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private /dev/log"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" got 2 \
		tim-ledger checkpoint -q --syslog -k log.key --witness http://127.0.0.1:9/ l.tim
	assert_failure 1
	run cat got
	# authpriv.alert = 10*8+1
	assert_line --regexp '^<81>.*tim-ledger\[[0-9]+\]: checkpoint WITNESS REFUSED ledger=l\.tim size=3 witness=http://127\.0\.0\.1:9/: cannot reach'
	assert_line --regexp '^<81>.*checkpoint ledger=l\.tim size=3 key=kanri-log cosignatures=0/1 quorum=1$'
}

# A CA, a TSA certificate under it, and a rogue TSA under its own root;
# `openssl ts -reply` answers through tests/fixtures/witness.py tsa.
make_tsa() {
	mkdir -p tsa
	local d=$PWD/tsa n
	for n in ca rogueca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		    -keyout "tsa/$n.key" -out "tsa/$n.pem" -subj "/CN=Test $n" \
		    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
	done
	printf 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' > tsa/ext
	for n in tsa rogue; do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "tsa/$n.key" -out "tsa/$n.csr" -subj "/O=Test/CN=Test $n" 2>/dev/null
	done
	openssl x509 -req -in tsa/tsa.csr -CA tsa/ca.pem -CAkey tsa/ca.key -CAcreateserial \
	    -days 30 -extfile tsa/ext -out tsa/tsa.pem 2>/dev/null
	openssl x509 -req -in tsa/rogue.csr -CA tsa/rogueca.pem -CAkey tsa/rogueca.key \
	    -CAcreateserial -days 30 -extfile tsa/ext -out tsa/rogue.pem 2>/dev/null
	echo 01 > tsa/serial
	for n in tsa1:tsa:ca untrusted:rogue:rogueca; do
		IFS=: read -r sec cert ca <<EOF
$n
EOF
		cat >> tsa/tsa.cnf <<EOF
[ $sec ]
serial = $d/serial
crypto_device = builtin
signer_cert = $d/$cert.pem
certs = $d/$ca.pem
signer_key = $d/$cert.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
	done
	echo good > tsa/mode
	timeout 60 python3 "$W" tsa "$d" 55 &
	echo $! > tsa.pid
	for n in $(seq 1 100); do [ -s tsa/port ] && break; sleep 0.05; done
	TSA="http://127.0.0.1:$(cat tsa/port)/"
}

@test "stamp: an RFC 3161 token from openssl ts over the newest checkpoint, verified offline" {
	make_tsa
	tim-ledger checkpoint -q -k log.key l.tim
	run tim-ledger stamp --tsa "$TSA" --tsa-cert tsa/ca.pem l.tim
	assert_success
	assert_line --regexp '^l\.tim: checkpoint of size 3 stamped at 20[0-9-]+ [0-9:]+\+00:00 by /O=Test/CN=Test tsa$'
	assert_line --regexp '^token: l\.tim\.stamps/3-[0-9a-f]{16}\.tsr$'
	tok=$(ls l.tim.stamps/*.tsr)
	# openssl itself agrees: the token's imprint is SHA-256 of the stored note.
	newest_note l.tim.checkpoints > note
	run openssl ts -verify -in "$tok" -data note -CAfile tsa/ca.pem
	assert_success
	assert_output --partial 'Verification: OK'
	run tim-ledger verify --key log.key.pub --tsa-cert tsa/ca.pem l.tim
	assert_success
	assert_line --regexp '^l\.tim: time-stamp 3-[0-9a-f]{16}\.tsr: size 3 stamped at .* by /O=Test/CN=Test tsa$'
	assert_line "l.tim: time-stamps: 1 verified against 'tsa/ca.pem'"
	# The TSA's certificate alone is a trust anchor too.
	run tim-ledger verify --tsa-cert tsa/tsa.pem l.tim
	assert_success
	# Another root: refused offline.
	run tim-ledger verify --tsa-cert tsa/rogueca.pem l.tim
	assert_failure 1
	assert_line --partial 'FAILED: time-stamp 3-'
	# A token whose checkpoint is gone from the file: for other data.
	tim-ledger append -q l.tim note text=more
	mv l.tim.checkpoints keep
	tim-ledger checkpoint -q -k log.key l.tim
	run tim-ledger verify --tsa-cert tsa/ca.pem l.tim
	assert_failure 1
	assert_line --partial 'the token is for data that is no checkpoint of this ledger'
	# A damaged token.
	mv keep l.tim.checkpoints
	rm l.tim l.tim.checkpoints
	echo junk > l.tim.stamps/9-0000000000000000.tsr
	tim-ledger init -q --origin "$ORIGIN" l.tim
	tim-ledger checkpoint -q -k log.key l.tim
	run tim-ledger verify --tsa-cert tsa/ca.pem l.tim
	assert_failure 1
	assert_line --partial '9-0000000000000000.tsr: not an RFC 3161 time-stamp response'
}

@test "stamp refuses a token for other data, from an untrusted TSA, and with a stale nonce" {
	make_tsa
	tim-ledger checkpoint -q -k log.key l.tim
	echo other > tsa/mode
	run tim-ledger stamp --tsa "$TSA" --tsa-cert tsa/ca.pem l.tim
	assert_failure 1
	assert_output --partial 'does not verify: message imprint mismatch'
	echo untrusted > tsa/mode
	run tim-ledger stamp --tsa "$TSA" --tsa-cert tsa/ca.pem l.tim
	assert_failure 1
	assert_output --partial 'does not verify: certificate verify error'
	[ ! -e l.tim.stamps ] || [ -z "$(ls l.tim.stamps)" ]
	echo good > tsa/mode
	run tim-ledger stamp --tsa "$TSA" l.tim
	assert_success
	assert_output --partial 'was not checked: give --tsa-cert FILE'
	# That first good answer again, for a new request: a replay.
	echo replay > tsa/mode
	run tim-ledger stamp --tsa "$TSA" --tsa-cert tsa/ca.pem l.tim
	assert_failure 1
	assert_output --partial 'its nonce is not the one sent (a replayed answer)'
	assert_equal "$(ls l.tim.stamps | wc -l)" 1
	run tim-ledger stamp --tsa "$TSA" --tsa-cert nosuch.pem l.tim
	assert_failure 3
	run tim-ledger stamp l.tim
	assert_failure 2
	rm l.tim.checkpoints
	run tim-ledger stamp --tsa "$TSA" l.tim
	assert_failure 1
	assert_output --partial "no checkpoint to stamp"
}

@test "Japanese: the witness messages read in Japanese" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' || skip "ja_JP.UTF-8 locale not generated"
	start_witness a w1.key
	tim-ledger checkpoint -q -k log.key --witness "$(url a)" l.tim
	LANG=ja_JP.UTF-8 run tim-ledger verify --witness-key w1.key.pub --witness-key w2.key.pub --quorum 2 l.tim
	assert_failure 1
	assert_output --partial '証人'
	refute_output --partial 'witnesses cosigned'
}

# --- tim.conf settings, tim-check ledger, the nightly cron job -------------

# conf LINES...: a tim.conf of those [ledger] lines, used from now on.
conf() {
	printf '[ledger]\n' > tim.conf
	printf '%s\n' "$@" >> tim.conf
	export TIM_CONFIG=$PWD/tim.conf
}

@test "tim.conf [ledger] witness, witness-key, quorum: checkpoint and verify need no flags, tim-check ledger sees a missing witness" {
	start_witness a w1.key
	start_witness b w2.key
	conf "key-file = log.key" "verify-key = log.key.pub" \
	    "witness = $(url a) $(url b)" "witness-key = w1.key.pub w2.key.pub" "quorum = 2"
	# Standard output is the cosigned note alone, as without witnesses.
	run --separate-stderr tim-ledger checkpoint l.tim
	assert_success
	assert_equal "$stderr" '2 of 2 witnesses cosigned (quorum 2)'
	printf '%s\n' "$output" > copy
	run python3 "$W" cosig-verify w1.key.pub < copy
	assert_success
	run python3 "$W" cosig-verify w2.key.pub < copy
	assert_success
	run tim-ledger verify l.tim
	assert_success
	assert_line 'l.tim: witnessed: 2 of 2 cosignatures on the newest checkpoint (quorum 2)'
	run tim-check ledger l.tim
	assert_success
	assert_line --partial 'l.tim: ok: 2 records'
	assert_line --regexp '^l\.tim: witness w2\.example\.co\.jp/soumu cosigned size 3 at 20'
	assert_line 'l.tim: witnessed: 2 of 2 cosignatures on the newest checkpoint (quorum 2)'
	# A flag replaces its setting, and the quorum that counted the file's keys.
	run tim-ledger verify --witness-key w1.key.pub l.tim
	assert_success
	assert_line 'l.tim: witnessed: 1 of 1 cosignatures on the newest checkpoint (quorum 1)'
	# The environment beats the file; bad values stop before any work.
	TIM_LEDGER_QUORUM=3 run tim-ledger verify l.tim
	assert_failure 3
	assert_output 'tim-ledger: tim.conf [ledger] quorum = 3 is more than the 2 entries of witness-key'
	TIM_LEDGER_QUORUM=two run tim-check ledger l.tim
	assert_failure 3
	assert_output "tim-check: tim.conf [ledger] quorum = 'two': give a number from 0 to 16"
	# Witness b goes away: the night's checkpoint is kept with one cosignature,
	# and the fleet check says the ledger is not witnessed.
	kill "$(cat b.pid)"
	tim-ledger append -q l.tim erase item=設計図A.pdf method=overwrite
	run tim-ledger checkpoint l.tim
	assert_failure 1
	assert_line --partial "witness '$(url b)': cannot reach"
	assert_line 'tim-ledger: l.tim: only 1 of 2 witnesses cosigned the checkpoint of size 4; 2 needed'
	run tim-check ledger l.tim
	assert_failure 1
	assert_line --partial 'l.tim: ok: 3 records'
	assert_line 'tim-check: l.tim: FAILED: 1 of 2 witnesses cosigned the newest checkpoint (size 4); the quorum is 2'
	run tim-check ledger --json l.tim
	assert_failure 1
	assert_line --partial '"cosignatures":1,"quorum":2,"witnessed_size":4,"ok":false}'
	# Witness keys alone (an auditor's tim.conf) leave checkpoint plain.
	conf "witness-key = w1.key.pub"
	run tim-ledger checkpoint -q -k log.key l.tim
	assert_success
	run tim-check ledger l.tim
	assert_failure 1
	assert_line "tim-check: l.tim: no cosignature by witness 'w1.example.co.jp/audit'"
	assert_line 'tim-check: l.tim: FAILED: 0 of 1 witnesses cosigned the newest checkpoint (size 4); the quorum is 1'
}

@test "tim.conf [ledger] tsa, tsa-cert: stamp and verify need no flags, tim-check ledger checks the tokens" {
	make_tsa
	conf "key-file = log.key" "tsa = $TSA" "tsa-cert = tsa/ca.pem"
	tim-ledger checkpoint -q l.tim
	run tim-ledger stamp l.tim
	assert_success
	assert_line --regexp '^token: l\.tim\.stamps/3-[0-9a-f]{16}\.tsr$'
	refute_output --partial 'was not checked'
	run tim-ledger verify l.tim
	assert_success
	assert_line "l.tim: time-stamps: 1 verified against 'tsa/ca.pem'"
	run tim-check ledger l.tim
	assert_success
	assert_line --regexp '^l\.tim: time-stamp 3-[0-9a-f]{16}\.tsr: size 3 stamped at .* by /O=Test/CN=Test tsa$'
	assert_line "l.tim: time-stamps: 1 verified against 'tsa/ca.pem'"
	# --tsa-cert beats the setting: another root refuses the token.
	run tim-ledger verify --tsa-cert tsa/rogueca.pem l.tim
	assert_failure 1
	assert_line --partial 'FAILED: time-stamp 3-'
	# Tokens gone: the fleet check says so.
	rm -r l.tim.stamps
	run tim-check ledger l.tim
	assert_failure 1
	assert_line "tim-check: l.tim: FAILED: no time-stamp token in 'l.tim.stamps'"
	conf "tsa-cert = nosuch.pem"
	run tim-check ledger l.tim
	assert_failure 3
	assert_output --partial "cannot read certificate 'nosuch.pem'"
}

@test "nightly cron job under env -i: cosigned, stamped, copied; a missing witness fails the night but keeps the checkpoint" {
	start_witness a w1.key
	start_witness b w2.key
	make_tsa
	mkdir copies
	set -- TIM_CONFIG=/dev/null TIM_BINDIR="$TIM_BUILD/bin" TIM_LEDGERS="$PWD/l.tim" \
	    TIM_LEDGER_KEY_FILE="$PWD/log.key" TIM_CHECKPOINT_COPY="$PWD/copies" \
	    TIM_LEDGER_WITNESS="$(url a) $(url b)" \
	    TIM_LEDGER_WITNESS_KEY="$PWD/w1.key.pub $PWD/w2.key.pub" TIM_LEDGER_QUORUM=2 \
	    TIM_LEDGER_TSA="$TSA" TIM_LEDGER_TSA_CERT="$PWD/tsa/ca.pem"
	night() { env -i PATH=/usr/bin:/bin HOME=/root SHELL=/bin/sh LOGNAME=root "$@" sh "$TIM_SRC/examples/cron/tim-ledger-nightly"; }
	run night "$@"
	assert_success
	assert_output ""
	assert_equal "$(ls copies | wc -l)" 1
	assert_equal "$(ls l.tim.stamps | wc -l)" 1
	run python3 "$W" cosig-verify w2.key.pub < copies/*.checkpoint
	assert_success
	# What the auditor's fleet check sees, from the same settings.
	conf "verify-key = log.key.pub" "witness-key = w1.key.pub w2.key.pub" "tsa-cert = tsa/ca.pem"
	run tim-check ledger l.tim
	assert_success
	assert_line 'l.tim: witnessed: 2 of 2 cosignatures on the newest checkpoint (quorum 2)'
	assert_line "l.tim: time-stamps: 1 verified against 'tsa/ca.pem'"
	# Witness b is down the next night: mailed, status 1, but signed, copied
	# (the copy still extends last night's) and stamped.
	kill "$(cat b.pid)"
	tim-ledger append -q l.tim note text=next
	sleep 1
	run night "$@"
	assert_failure 1
	assert_line --partial "witness '$(url b)': cannot reach"
	assert_line "tim-ledger-nightly: the witnesses did not cosign the checkpoint of '$PWD/l.tim'"
	assert_equal "$(ls copies | wc -l)" 2
	assert_equal "$(ls l.tim.stamps | wc -l)" 2
	run tim-check ledger l.tim
	assert_failure 1
	assert_line --partial 'FAILED: 1 of 2 witnesses cosigned the newest checkpoint (size 4)'
	# Without the settings the job is as before: no witnesses, no stamps.
	tim-ledger append -q l.tim note text=third
	sleep 1
	run night TIM_CONFIG=/dev/null TIM_BINDIR="$TIM_BUILD/bin" TIM_LEDGERS="$PWD/l.tim" \
	    TIM_LEDGER_KEY_FILE="$PWD/log.key" TIM_CHECKPOINT_COPY="$PWD/copies"
	assert_success
	assert_output ""
	assert_equal "$(ls l.tim.stamps | wc -l)" 2
}
