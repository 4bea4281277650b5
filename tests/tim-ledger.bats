#!/usr/bin/env bats
# tim-ledger: every subcommand and option, every failure verify must catch,
# concurrent appenders, and the Merkle root, proofs and checkpoint signature
# checked against independent computations (Python hashlib, openssl).

load test_helper
bats_require_minimum_version 1.5.0

# Python helpers shared by the tests: RFC 6962 hashing written from the RFC,
# not from libtim, so that a wrong tree in libtim cannot agree with itself.
PYLIB='
import base64, hashlib, json, sys
def H(b): return hashlib.sha256(b).digest()
def leaf(line): return H(b"\x00" + line)
def node(l, r): return H(b"\x01" + l + r)
def mth(ls):
    n = len(ls)
    if n == 0: return H(b"")
    if n == 1: return ls[0]
    k = 1
    while k * 2 < n: k *= 2
    return node(mth(ls[:k]), mth(ls[k:]))
def lines_of(path):
    data = open(path, "rb").read()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")
def b64(b): return base64.b64encode(b).decode()
def unb64(s): return base64.b64decode(s, validate=True)
def verify_inclusion(lf, index, size, path, root):
    # RFC 9162 2.1.3.2
    if index >= size: return False
    fn, sn, r = index, size - 1, lf
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root
def verify_consistency(m, n, old, new, path):
    # RFC 9162 2.1.4.2
    if m == n: return not path and old == new
    if not path: return False
    if m & (m - 1) == 0: path = [old] + list(path)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr = node(c, fr); sr = node(c, sr)
            while fn and not fn & 1:
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old and sr == new
def dump(o): return json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()
def rechain(lines, start):
    # Re-links prev from line index start on: a forged but consistent ledger.
    for i in range(start, len(lines)):
        o = json.loads(lines[i])
        old = o["prev"].encode()
        new = hashlib.sha256(lines[i - 1]).hexdigest().encode()
        lines[i] = lines[i].replace(b"\"prev\":\"" + old + b"\"", b"\"prev\":\"" + new + b"\"")
    return lines
def write_lines(path, lines):
    open(path, "wb").write(b"".join(l + b"\n" for l in lines))
'

py() {	# script, args...
	local script=$1
	shift
	python3 -c "$PYLIB
$script" "$@"
}

# A ledger of n records (one batch append).
mk() {	# path, records
	local i
	tim-ledger init --origin test/origin "$1" >/dev/null || return 1
	for ((i = 1; i <= $2; i++)); do
		printf '{"kind":"note","text":"record %d"}\n' "$i"
	done | tim-ledger append --no-sync --json "$1"
}

# A ledger built by Python alone from records with chosen times and actors:
# an independent writer of the format, and dates that do not depend on today.
mk_py() {	# path; records as JSON lines on stdin
	py '
lines = [dump({"tim": "ledger", "v": 1, "origin": "test/py", "created": "2025-01-01T00:00:00Z"})]
for i, text in enumerate(sys.stdin.read().splitlines(), 1):
    rec = json.loads(text)
    o = {"seq": i, "time": rec.pop("time"), "kind": rec.pop("kind"),
         "actor": rec.pop("actor", "alice"), "host": rec.pop("host", "pc1")}
    o.update(rec)
    o["prev"] = hashlib.sha256(lines[-1]).hexdigest()
    lines.append(dump(o))
write_lines(sys.argv[1], lines)
' "$1"
}

offset_of() {	# file, 1-based line: byte offset where the line starts
	head -n "$(($2 - 1))" "$1" | wc -c
}

# --- help, version, usage errors -------------------------------------------

@test "--help and -h print the synopsis on stdout and exit 0" {
	run --separate-stderr tim-ledger --help
	assert_success
	assert_line --index 0 --partial 'usage: tim-ledger init [--origin NAME] [--group GROUP] [--append-only] LEDGER'
	assert_output --partial 'tim-ledger consistency [--key VKEY] OLD_CHECKPOINT LEDGER'
	assert_equal "$stderr" ""
	run --separate-stderr tim-ledger -h
	assert_success
	assert_output --partial 'tim-ledger repair'
	run --separate-stderr tim-ledger verify -h
	assert_success
	assert_output --partial 'tim-ledger verify [--full] [--syslog] [--key VKEY]'
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run tim-ledger --version
	assert_success
	assert_output --regexp '^tim-ledger \(tim\) [0-9]+\.[0-9]+'
	run tim-ledger kinds --version
	assert_success
	assert_output --regexp '^tim-ledger \(tim\) '
}

@test "no arguments is a usage error" {
	run --separate-stderr tim-ledger
	assert_failure 2
	assert_output ""
	[[ $stderr == *usage:* ]]
}

@test "unknown command and unknown option exit 2" {
	run --separate-stderr tim-ledger frobnicate x
	assert_failure 2
	assert_equal "$stderr" "tim-ledger: unknown command 'frobnicate'
Try 'tim-ledger --help'."
	run --separate-stderr tim-ledger verify --frobnicate x
	assert_failure 2
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
	run --separate-stderr tim-ledger checkpoint -k
	assert_failure 2
	[[ $stderr == *"needs a value"* ]]
}

@test "an option that does not apply to the subcommand exits 2" {
	tim-ledger init l.tim
	run --separate-stderr tim-ledger init --key x n.tim
	assert_failure 2
	[[ $stderr == *"option '--key' does not apply to 'init'"* ]]
	assert_file_not_exists n.tim
	run --separate-stderr tim-ledger verify --origin x l.tim
	assert_failure 2
	[[ $stderr == *"option '--origin' does not apply to 'verify'"* ]]
	run --separate-stderr tim-ledger list --no-sync l.tim
	assert_failure 2
	run --separate-stderr tim-ledger append --csv l.tim note text=x
	assert_failure 2
	run --separate-stderr tim-ledger keygen -k k -o x
	assert_failure 2
	run --separate-stderr tim-ledger list --json --csv l.tim
	assert_failure 2
	[[ $stderr == *"exclude each other"* ]]
	assert_equal "$(wc -l < l.tim)" 1
}

@test "too few or too many arguments exit 2" {
	run tim-ledger init
	assert_failure 2
	run tim-ledger init a b
	assert_failure 2
	assert_file_not_exists a
	run tim-ledger keygen
	assert_failure 2
	run tim-ledger keygen -o k extra
	assert_failure 2
	assert_file_not_exists k
	run tim-ledger prove 1
	assert_failure 2
	run tim-ledger repair a b
	assert_failure 2
	run tim-ledger consistency a
	assert_failure 2
}

# Regression: "kinds extra" once exited 0 (sub_kinds ran before the count check).
@test "kinds takes no arguments" {
	run --separate-stderr tim-ledger kinds extra
	assert_failure 2
	[[ $stderr == *"too many arguments for 'kinds'"* ]]
}

@test "Japanese messages under LANG=ja_JP.UTF-8" {
	locale -a 2>/dev/null | grep -qix 'ja_JP.utf-\?8' ||
		skip "the ja_JP.UTF-8 locale is not installed"
	grep -q '^msgid "unknown command '\''%s'\''"' "${TIM_SRC:-$BATS_TEST_DIRNAME/..}/po/ja.po" ||
		skip "po/ja.po does not translate this message"
	LANG=ja_JP.UTF-8 run --separate-stderr tim-ledger frobnicate
	assert_failure 2
	[[ $stderr == *"不明なコマンド 'frobnicate'"* ]]
	# and English without it
	run --separate-stderr tim-ledger frobnicate
	[[ $stderr == *"unknown command 'frobnicate'"* ]]
}

# --- init --------------------------------------------------------------------

@test "init writes the header with a default origin" {
	run tim-ledger init reg.tim
	assert_success
	assert_output "created ledger 'reg.tim' (origin $(hostname)/reg.tim)"
	assert_equal "$(wc -l < reg.tim)" 1
	py '
o = json.loads(lines_of("reg.tim")[0])
assert list(o) == ["tim", "v", "origin", "created"], o
assert o["tim"] == "ledger" and o["v"] == 1, o
import re, socket
assert o["origin"] == socket.gethostname() + "/reg.tim", o
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o["created"]), o
'
	run tim-ledger verify reg.tim
	assert_success
	assert_output --regexp '^reg\.tim: ok: 0 records, root '
}

@test "init --origin, --json and -q" {
	run tim-ledger init --origin example.co.jp/registers/設計部 a.tim
	assert_success
	assert_output "created ledger 'a.tim' (origin example.co.jp/registers/設計部)"
	grep -q '"origin":"example.co.jp/registers/設計部"' a.tim
	run tim-ledger init --json --origin o b.tim
	assert_success
	assert_output '{"ledger":"b.tim","origin":"o","append_only":false}'
	run tim-ledger init -q c.tim
	assert_success
	assert_output ""
	assert_file_exists c.tim
}

@test "init refuses to overwrite an existing file" {
	echo precious > reg.tim
	run --separate-stderr tim-ledger init reg.tim
	assert_failure 3
	[[ $stderr == *"'reg.tim' already exists; not overwriting it"* ]]
	assert_equal "$(cat reg.tim)" precious
	ln -s precious.txt link.tim
	run tim-ledger init link.tim
	assert_failure 3
	assert_file_not_exists precious.txt
}

@test "init rejects a bad origin and a missing directory" {
	run tim-ledger init --origin '' a.tim
	assert_failure 2
	assert_file_not_exists a.tim
	run tim-ledger init --origin $'two\nlines' a.tim
	assert_failure 2
	assert_file_not_exists a.tim
	run --separate-stderr tim-ledger init --origin $'caf\xe9' a.tim
	assert_failure 2
	[[ $stderr == *"not UTF-8"* ]]
	assert_file_not_exists a.tim
	run tim-ledger init nodir/a.tim
	assert_failure 3
}

# --- keygen ------------------------------------------------------------------

@test "keygen writes a 0600 key, a .pub and prints the verifier line" {
	run --separate-stderr tim-ledger keygen --name alice -o alice.key
	assert_success
	assert_output --regexp '^alice\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'
	assert_equal "$(stat -c %a alice.key)" 600
	assert_equal "$(stat -c %a alice.key.pub)" 644
	assert_equal "$(cat alice.key.pub)" "$output"
	grep -Eq '^PRIVATE\+KEY\+alice\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' alice.key
	# The key id is SHA-256(name || LF || 0x01 || pub)[:4], both files agree,
	# and the public key is the one openssl derives from the seed.
	py '
sk = open("alice.key").read().strip().split("+", 4)
vk = open("alice.key.pub").read().strip().split("+", 2)
assert sk[:3] == ["PRIVATE", "KEY", "alice"] and vk[0] == "alice"
assert sk[3] == vk[1]
seed, pub = unb64(sk[4]), unb64(vk[2])
assert seed[0] == 1 and pub[0] == 1 and len(seed) == 33 and len(pub) == 33
assert H(b"alice\n\x01" + pub[1:])[:4].hex() == vk[1]
open("sk.der", "wb").write(bytes.fromhex("302e020100300506032b657004220420") + seed[1:])
open("pub.raw", "wb").write(pub[1:])
'
	openssl pkey -inform DER -in sk.der -pubout -outform DER | tail -c 32 > pub.openssl
	cmp pub.raw pub.openssl
}

@test "keygen --json, and the name defaults to the host name" {
	run tim-ledger keygen --json -o k
	assert_success
	py '
o = json.loads(sys.argv[1])
assert o["key_file"] == "k" and o["verifier_file"] == "k.pub", o
assert o["verifier"] == open("k.pub").read().strip(), o
import socket
assert o["verifier"].startswith(socket.gethostname() + "+"), o
' "$output"
}

@test "keygen refuses to overwrite, and bad names exit 2" {
	echo old > k
	run --separate-stderr tim-ledger keygen --name a -o k
	assert_failure 3
	[[ $stderr == *"'k' already exists"* ]]
	assert_equal "$(cat k)" old
	assert_file_not_exists k.pub
	tim-ledger keygen --name a -o k2 >/dev/null
	echo old > k3.pub
	run tim-ledger keygen --name a -o k3
	assert_failure 3
	assert_file_not_exists k3
	assert_equal "$(cat k3.pub)" old
	for bad in '' 'a b' 'a+b' $'a\tb' $'a\nb'; do
		run --separate-stderr tim-ledger keygen --name "$bad" -o bad.key
		assert_failure 2
		[[ $stderr == *"invalid key name"* ]]
		assert_file_not_exists bad.key
		assert_file_not_exists bad.key.pub
	done
	run --separate-stderr tim-ledger keygen --name a
	assert_failure 2
	[[ $stderr == *"-o KEYFILE"* ]]
}

# --- append ------------------------------------------------------------------

@test "append writes a chained record with the fixed fields first" {
	tim-ledger init reg.tim
	run tim-ledger append reg.tim copy item=【社外秘】図面A.pdf to=USB-0042 reason='試作 "委託"'
	assert_success
	assert_output ""
	run tim-ledger append -v --no-sync reg.tim note text=second extra=kept
	assert_success
	assert_output --partial "appended seq 2 to 2"
	py '
import re, getpass, socket
ls = lines_of("reg.tim")
assert len(ls) == 3
r1, r2 = json.loads(ls[1]), json.loads(ls[2])
assert list(r1) == ["seq", "time", "kind", "actor", "host", "item", "to", "reason", "prev"], list(r1)
assert r1["seq"] == 1 and r2["seq"] == 2
assert r1["kind"] == "copy" and r1["item"] == "【社外秘】図面A.pdf" and r1["to"] == "USB-0042"
assert r1["reason"] == "試作 \"委託\""
assert r1["actor"] == getpass.getuser() and r1["host"] == socket.gethostname()
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r1["time"])
assert r1["prev"] == hashlib.sha256(ls[0]).hexdigest()
assert r2["prev"] == hashlib.sha256(ls[1]).hexdigest()
assert r2["extra"] == "kept"
assert "【社外秘】".encode() in ls[1]   # UTF-8 as is, not \u escapes
'
	run tim-ledger verify reg.tim
	assert_success
}

@test "append: a missing required field exits 2 naming it" {
	tim-ledger init reg.tim
	run --separate-stderr tim-ledger append reg.tim copy item=x
	assert_failure 2
	[[ $stderr == *"a 'copy' record needs the field 'to'"* ]]
	run --separate-stderr tim-ledger append reg.tim copy to=x
	assert_failure 2
	[[ $stderr == *"needs the field 'item'"* ]]
	run --separate-stderr tim-ledger append reg.tim copy item= to=y
	assert_failure 2
	[[ $stderr == *"needs the field 'item'"* ]]
	run --separate-stderr tim-ledger append reg.tim repair torn_bytes=1
	assert_failure 2
	[[ $stderr == *"'torn_sha256'"* ]]
	assert_equal "$(wc -l < reg.tim)" 1
}

@test "append: every kind with its required fields is accepted" {
	tim-ledger init reg.tim
	while read -r kind fields; do
		# shellcheck disable=SC2086
		tim-ledger append --no-sync reg.tim "$kind" $fields
	done < <(tim-ledger kinds | sed 's/\t.*//; s/=/=v/g')
	assert_equal "$(wc -l < reg.tim)" 17
	run tim-ledger verify reg.tim
	assert_success
	assert_output --partial "16 records"
}

@test "append: unknown kind, reserved and invalid field names exit 2" {
	tim-ledger init reg.tim
	run --separate-stderr tim-ledger append reg.tim frobnicate item=x
	assert_failure 2
	[[ $stderr == *"unknown record kind 'frobnicate'"* ]]
	for f in seq time kind actor host prev Item 1x 'a-b' 'a b' "$(printf 'x%.0s' {1..65})"; do
		run --separate-stderr tim-ledger append reg.tim note text=t "$f=v"
		assert_failure 2
		[[ $stderr == *"invalid field name"* ]]
	done
	run --separate-stderr tim-ledger append reg.tim note text=t novalue
	assert_failure 2
	[[ $stderr == *"'novalue' is not FIELD=VALUE"* ]]
	run tim-ledger append reg.tim note text=t =v
	assert_failure 2
	run tim-ledger append reg.tim
	assert_failure 2
	assert_equal "$(wc -l < reg.tim)" 1
}

@test "append: a value that is not UTF-8 exits 2 and writes nothing" {
	tim-ledger init reg.tim
	run --separate-stderr tim-ledger append reg.tim note text=$'\xff\xfe'
	assert_failure 2
	[[ $stderr == *"'text' is not valid UTF-8"* ]]
	run tim-ledger append reg.tim note text=ok bad=$'caf\xe9'
	assert_failure 2
	assert_equal "$(wc -l < reg.tim)" 1
}

@test "append to a missing or torn ledger exits 3" {
	run --separate-stderr tim-ledger append none.tim note text=x
	assert_failure 3
	[[ $stderr == *"no ledger at 'none.tim'"* ]]
	assert_file_not_exists none.tim
	tim-ledger init reg.tim
	printf '{"seq":1,' >> reg.tim
	cp reg.tim before
	run --separate-stderr tim-ledger append reg.tim note text=x
	assert_failure 3
	[[ $stderr == *"torn line"* ]]
	cmp reg.tim before
	echo 'not a ledger' > other.txt
	run tim-ledger append other.txt note text=x
	assert_failure 3
	assert_equal "$(cat other.txt)" 'not a ledger'
}

@test "append KIND uses TIM_LEDGER as the default ledger" {
	tim-ledger init reg.tim
	TIM_LEDGER=reg.tim run tim-ledger append note text=from-env
	assert_success
	TIM_LEDGER=reg.tim run tim-ledger append --no-sync copy item=a to=b
	assert_success
	grep -q '"text":"from-env"' reg.tim
	grep -q '"kind":"copy"' reg.tim
	assert_file_not_exists note
	# An explicit LEDGER still wins.
	tim-ledger init other.tim
	TIM_LEDGER=reg.tim run tim-ledger append other.tim note text=explicit
	assert_success
	grep -q explicit other.tim
	run grep -c explicit reg.tim
	assert_output 0
	TIM_LEDGER=reg.tim run tim-ledger verify
	assert_success
	assert_output --partial "reg.tim: ok: 2 records"
	echo '{"kind":"note","text":"json"}' | TIM_LEDGER=reg.tim tim-ledger append --json
	grep -q '"text":"json"' reg.tim
}

@test "TIM_LEDGER is the default LEDGER of every subcommand that takes one" {
	mk reg.tim 3
	export TIM_LEDGER=reg.tim
	tim-ledger keygen --name k -o k.key >/dev/null
	run tim-ledger checkpoint -q -k k.key
	assert_success
	assert_file_exists reg.tim.checkpoints
	run tim-ledger prove --json 2
	assert_success
	assert_output --partial '"size":4'
	tim-ledger append note text=more
	run tim-ledger consistency reg.tim.checkpoints
	assert_success
	assert_line --index 0 "old-size 4"
	printf 'torn' >> reg.tim
	run tim-ledger repair
	assert_success
	assert_output --partial "moved a torn line of 4 bytes"
	run tim-ledger verify --key k.key.pub
	assert_success
	run tim-ledger list --kind repair
	assert_success
	assert_equal "${#lines[@]}" 1
}

@test "append --json appends one record per line" {
	tim-ledger init reg.tim
	run tim-ledger append -v --json reg.tim <<-'EOF'
	{"kind":"copy","item":"a","to":"b"}

	{"kind":"note","text":"数","n":5,"list":[1,2],"obj":{"k":null}}
	EOF
	assert_success
	assert_output --partial "appended seq 1 to 2"
	py '
ls = lines_of("reg.tim")
r = json.loads(ls[2])
assert r["n"] == 5 and r["list"] == [1, 2] and r["obj"] == {"k": None} and r["text"] == "数", r
assert json.loads(ls[1])["kind"] == "copy"
'
	tim-ledger verify -q reg.tim
}

@test "append --json: a bad line means nothing of the batch is appended" {
	tim-ledger init reg.tim
	tim-ledger append reg.tim note text=before
	cp reg.tim before
	good='{"kind":"note","text":"ok"}'
	run --separate-stderr tim-ledger append --json reg.tim < <(printf '%s\n' "$good" "$good" '{"kind":"copy","item":"x"}' "$good")
	assert_failure 2
	[[ $stderr == *"stdin line 3"* && $stderr == *"'to'"* ]]
	cmp reg.tim before
	run --separate-stderr tim-ledger append --json reg.tim < <(printf '%s\n' "$good" '{"kind":"note",' "$good")
	assert_failure 3
	[[ $stderr == *"stdin line 2: not a JSON object"* ]]
	cmp reg.tim before
	run tim-ledger append --json reg.tim < <(printf '%s\n' "$good" '["kind","note"]')
	assert_failure 3
	run --separate-stderr tim-ledger append --json reg.tim < <(printf '%s\n' "$good" '{"text":"no kind"}')
	assert_failure 2
	[[ $stderr == *"stdin line 2"* ]]
	run tim-ledger append --json reg.tim < <(printf '%s\n' "$good" '{"kind":"note","text":"x","seq":9}')
	assert_failure 2
	run tim-ledger append --json reg.tim < <(printf '%s\n' "$good" '{"kind":"frob","text":"x"}')
	assert_failure 2
	run tim-ledger append --json reg.tim < <(printf '%s\n' '{"kind":"note","text":"a","text":"b"}')
	assert_failure 3
	cmp reg.tim before
	run tim-ledger append --json reg.tim note text=x
	assert_failure 2
	cmp reg.tim before
}

@test "append --json: a batch over one commit (20000 records) says what it appended" {
	tim-ledger init reg.tim
	# one command makes the input: a bats loop of 20000 steps is slow
	{ yes '{"kind":"note","text":"x"}' | head -n 20001; echo '{"kind":"note"}'; } > in.jsonl
	run --separate-stderr tim-ledger append --no-sync --json reg.tim < in.jsonl
	assert_failure 2
	[[ $stderr == *"appended seq 1 to 20000 before the error"* ]]
	[[ $stderr == *"stdin line 20002"* ]]
	assert_equal "$(wc -l < reg.tim)" 20001
	tim-ledger verify -q reg.tim
}

# --- verify ------------------------------------------------------------------

@test "verify: an intact ledger exits 0 with the ok line; -q prints nothing" {
	mk reg.tim 3
	run --separate-stderr tim-ledger verify reg.tim
	assert_success
	root=$(py 'print(b64(mth([leaf(l) for l in lines_of("reg.tim")])))')
	assert_output "reg.tim: ok: 3 records, root $root"
	assert_equal "$stderr" ""
	run tim-ledger verify -q reg.tim
	assert_success
	assert_output ""
}

@test "verify --json reports lines, root and checkpoints" {
	mk reg.tim 2
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	run tim-ledger verify --json --key k.key.pub reg.tim
	assert_success
	py '
o = json.loads(sys.argv[1])
root = b64(mth([leaf(l) for l in lines_of("reg.tim")]))
assert o == {"ledger": "reg.tim", "ok": True, "lines": 3, "root": root, "checkpoints": 1,
             "checkpoint_size": 3, "signatures_checked": True,
             "trusted_by_signed_root": 3, "append_only": False}, o
' "$output"
	printf 'x' >> reg.tim
	run tim-ledger verify --json reg.tim
	assert_failure 1
	py '
o = json.loads(sys.argv[1])
assert o["ok"] is False and o["line"] == 4 and o["seq"] == 3, o
assert o["offset"] == len(open("reg.tim", "rb").read()) - 1, o
assert "torn" in o["reason"], o
' "$output"
}

@test "verify: one changed byte in a record names that line, and says what to do" {
	mk reg.tim 5
	# line 3 is seq 2; change one byte of its text
	sed -i '3s/record 2/record X/' reg.tim
	off=$(offset_of reg.tim 3)
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "tim-ledger: reg.tim: FAILED at line 3 (seq 2, byte $off): line 3 was changed after it was written: it no longer matches the hash that line 4 keeps of it (prev)
tim-ledger: reg.tim: what to do: keep this file as it is, as evidence, and append nothing to it; restore the ledger from a backup, check the copy against a checkpoint kept elsewhere with 'tim-ledger consistency CHECKPOINT LEDGER', and record what happened; see RECOVERY in tim-ledger(1)"
	run -1 tim-ledger verify --json reg.tim
	py 'o = json.loads(sys.argv[1]); assert o["line"] == 3 and o["changed_line"] == 3 and o["seq"] == 2, o' "$output"
	run tim-ledger verify -q reg.tim
	assert_failure 1
	assert_output ""
}

@test "verify: one changed byte in the header fails at line 2" {
	mk reg.tim 2
	sed -i '1s/test\/origin/test\/origiN/' reg.tim
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 1 (seq 0, byte 0): line 1 was changed after it was written"* ]]
	# and a header that is no longer a header
	mk h.tim 1
	sed -i '1s/"ledger"/"ledgex"/' h.tim
	run --separate-stderr tim-ledger verify h.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 1 (seq 0, byte 0): not a tim ledger header"* ]]
}

@test "verify: a deleted line fails as a seq gap" {
	mk reg.tim 5
	sed -i '3d' reg.tim
	off=$(offset_of reg.tim 3)
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 3 (seq 2, byte $off): seq gap: seq 3 where 2 was expected"* ]]
}

@test "verify: two swapped lines fail" {
	mk reg.tim 5
	sed -i '3{h;d};4{G}' reg.tim
	assert_equal "$(sed -n 3p reg.tim | grep -o '"seq":[0-9]*')" '"seq":3'
	off=$(offset_of reg.tim 3)
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 3 (seq 2, byte $off): seq gap: seq 3 where 2 was expected"* ]]
}

@test "verify: a duplicated line fails" {
	mk reg.tim 3
	sed -i '3p' reg.tim
	off=$(offset_of reg.tim 4)
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 4 (seq 3, byte $off): seq gap: seq 2 where 3 was expected"* ]]
	# the duplicate as the last line, renumbered and relinked, is a fork the chain
	# cannot see; a record that repeats the prev of its predecessor is caught
	mk d.tim 3
	py '
ls = lines_of("d.tim")
dup = ls[3].replace(b"\"seq\":3", b"\"seq\":4")
write_lines("d.tim", ls + [dup])
'
	run --separate-stderr tim-ledger verify d.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 5 (seq 4, byte $(offset_of d.tim 5)): line 5 repeats the prev of line 4"* ]]
}

@test "verify: a line that is not JSON, or lacks fields, fails" {
	mk reg.tim 3
	sed -i '3s/^{/[/' reg.tim
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 3 (seq 2, byte $(offset_of reg.tim 3)): bad JSON"* ]]
	mk t.tim 1
	py '
ls = lines_of("t.tim")
ls.append(dump({"seq": 2, "time": "yesterday", "kind": "note", "actor": "a", "host": "h",
                "prev": hashlib.sha256(ls[-1]).hexdigest()}))
write_lines("t.tim", ls)
'
	run --separate-stderr tim-ledger verify t.tim
	assert_failure 1
	[[ $stderr == *"line 3 (seq 2, byte $(offset_of t.tim 3)): bad or missing time"* ]]
	# a key given twice in one line
	mk dup.tim 1
	py '
ls = lines_of("dup.tim")
ls.append(dump({"seq": 2, "time": "2025-01-01T00:00:00Z", "kind": "note", "actor": "a",
                "host": "h", "text": "x", "prev": hashlib.sha256(ls[-1]).hexdigest()}).replace(b"}", b",\"text\":\"y\"}"))
write_lines("dup.tim", ls)
'
	run --separate-stderr tim-ledger verify dup.tim
	assert_failure 1
	[[ $stderr == *"line 3 (seq 2, byte $(offset_of dup.tim 3)): bad JSON"* ]]
	: > empty.tim
	run --separate-stderr tim-ledger verify empty.tim
	assert_failure 1
	[[ $stderr == *"empty file"* ]]
}

@test "verify: a torn tail fails naming the line and offset" {
	mk reg.tim 2
	size=$(stat -c %s reg.tim)
	printf '{"seq":3,"time":"20' >> reg.tim
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	assert_equal "${stderr%%$'\n'*}" "tim-ledger: reg.tim: FAILED at line 4 (seq 3, byte $size): torn last line (19 bytes without a newline); 'tim-ledger repair' sets it aside"
}

@test "verify: a ledger cut shorter than its checkpoint fails" {
	mk reg.tim 5
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	sed -i '$d' reg.tim
	size=$(stat -c %s reg.tim)
	run tim-ledger verify -q reg.tim
	assert_failure 1
	assert_output ""
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 6 (seq 5, byte $size): ledger shorter than its checkpoint: 5 lines, checkpoint of size 6"* ]]
	# cut to the header alone
	head -n 1 reg.tim > h.tim
	cp reg.tim.checkpoints h.tim.checkpoints
	run --separate-stderr tim-ledger verify h.tim
	assert_failure 1
	[[ $stderr == *"ledger shorter than its checkpoint"* ]]
}

@test "verify: a forged but internally consistent ledger fails against the checkpoint" {
	mk reg.tim 6
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	tim-ledger append reg.tim note text=after
	# rewrite seq 3 and relink every prev after it
	py '
ls = lines_of("reg.tim")
ls[3] = ls[3].replace(b"record 3", b"record 9")
write_lines("reg.tim", rechain(ls, 4))
'
	mv reg.tim.checkpoints cps
	run tim-ledger verify reg.tim
	assert_success	# the chain alone cannot tell
	mv cps reg.tim.checkpoints
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 7 (seq 6, byte $(offset_of reg.tim 7)): root differs from the checkpoint of size 7 (the ledger was rewritten)"* ]]
	run tim-ledger verify --json reg.tim
	assert_failure 1
	assert_output --partial '"ok":false'
	assert_output --partial '"line":7'
}

@test "verify --key: a flipped signature byte fails; without --key it is not checked" {
	mk reg.tim 2
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	run tim-ledger verify reg.tim
	assert_success
	assert_output --partial "signatures not checked (no --key)"
	run tim-ledger verify --key k.key.pub reg.tim
	assert_success
	assert_output --partial "1 checkpoints (newest size 3), signatures verified"
	# change one base64 digit well inside the 64 signature bytes
	py '
d = open("reg.tim.checkpoints", "rb").read()
i = d.index("\u2014 k ".encode()) + len("\u2014 k ".encode()) + 40
c = d[i:i + 1]
d = d[:i] + (b"B" if c != b"B" else b"C") + d[i + 1:]
open("reg.tim.checkpoints", "wb").write(d)
'
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	assert_equal "${stderr%%$'\n'*}" "tim-ledger: reg.tim: FAILED: checkpoint of size 3: checkpoint signature by 'k' does not verify"
	run tim-ledger verify --key "$(cat k.key.pub)" reg.tim
	assert_failure 1
	run tim-ledger verify reg.tim
	assert_success
}

@test "verify --key with the wrong key fails" {
	mk reg.tim 2
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger keygen --name k -o same-name.key >/dev/null
	tim-ledger keygen --name other -o other.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	run --separate-stderr tim-ledger verify --key same-name.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"checkpoint signature by 'k' does not verify"* ]]
	run --separate-stderr tim-ledger verify --key other.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"checkpoint has no signature by key 'other'"* ]]
	# a key that is no key is an input error
	run --separate-stderr tim-ledger verify --key nosuchfile reg.tim
	assert_failure 3
	[[ $stderr == *"'nosuchfile' is neither a verifier key nor a readable file"* ]]
	run tim-ledger verify --key k.key reg.tim
	assert_failure 3
}

@test "verify: a checkpoint for another origin fails" {
	mk reg.tim 2
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	sed -i '1s/.*/someone\/else/' reg.tim.checkpoints
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 1
	assert_equal "${stderr%%$'\n'*}" "tim-ledger: reg.tim: FAILED: checkpoint of size 3 is for origin 'someone/else', not 'test/origin'"
	run tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
}

@test "verify --checkpoint checks a checkpoint file kept elsewhere" {
	mk reg.tim 3
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	mv reg.tim.checkpoints kept.cp
	tim-ledger append reg.tim note text=later
	run tim-ledger verify --key k.key.pub --checkpoint kept.cp reg.tim
	assert_success
	assert_output --partial "1 checkpoints (newest size 4), signatures verified"
	sed -i '$d' reg.tim
	sed -i '$d' reg.tim
	run tim-ledger verify --checkpoint kept.cp reg.tim
	assert_failure 1
	run --separate-stderr tim-ledger verify --checkpoint kept.cp reg.tim reg.tim
	assert_failure 2
	: > nocp
	run --separate-stderr tim-ledger verify --checkpoint nocp reg.tim
	assert_failure 1
	[[ $stderr == *"no checkpoint in 'nocp'"* ]]
	echo garbage > bad.cp
	run --separate-stderr tim-ledger verify --checkpoint bad.cp reg.tim
	assert_failure 1
	[[ $stderr == *checkpoint* ]]
}

# Regression: a named --checkpoint that is missing once gave 1 ("no
# checkpoint in") where prove and consistency give 3.
@test "verify --checkpoint with a missing file is an input error (3)" {
	mk reg.tim 1
	run tim-ledger prove --checkpoint missing.cp 1 reg.tim
	assert_failure 3
	run --separate-stderr tim-ledger verify --checkpoint missing.cp reg.tim
	assert_failure 3
	[[ $stderr == *"missing.cp"* ]]
}

@test "verify: a missing ledger exits 3; several ledgers give the worst status" {
	run --separate-stderr tim-ledger verify none.tim
	assert_failure 3
	[[ $stderr == *"none.tim"* ]]
	mk a.tim 1
	mk b.tim 2
	sed -i '2s/record 1/record X/' b.tim
	run --separate-stderr tim-ledger verify a.tim b.tim
	assert_failure 1
	assert_output --partial "a.tim: ok"
	[[ $stderr == *"b.tim: FAILED at line 2"* ]]
	run tim-ledger verify a.tim none.tim b.tim
	assert_failure 3
	run tim-ledger verify .
	assert_failure 3
}

@test "verify: an unreadable ledger exits 3" {
	mk reg.tim 1
	if [ "$(id -u)" -ne 0 ]; then
		chmod 000 reg.tim
		run --separate-stderr tim-ledger verify reg.tim
		chmod 600 reg.tim
	else
		# root reads everything; run the check as nobody on a copy it may reach
		command -v setpriv >/dev/null || skip "root, and no setpriv to drop privileges"
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$(command -v tim-ledger)" ||
			skip "root, and user nobody cannot run $(command -v tim-ledger)"
		d=$(mktemp -d)
		chmod 755 "$d"
		cp reg.tim "$d/reg.tim"
		chmod 000 "$d/reg.tim"
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		    env TIM_CONFIG=/dev/null tim-ledger verify "$d/reg.tim"
		rm -rf "$d"
	fi
	assert_failure 3
	[[ $stderr == *"Permission denied"* ]]
}

# Regression: opening a FIFO once blocked for ever (open before the
# regular-file check), so a cron verify stalled on a FIFO checkpoints file.
@test "verify does not hang on a FIFO as the ledger or its checkpoints file" {
	mkfifo fifo.tim
	run timeout 3 tim-ledger verify fifo.tim
	assert_failure 3
	mk reg.tim 1
	mkfifo reg.tim.checkpoints
	run timeout 3 tim-ledger verify reg.tim
	assert_failure 3
}

# --- checkpoint --------------------------------------------------------------

@test "checkpoint: the note has origin, size, root, a blank line and the signature" {
	mk reg.tim 4
	k=$(tim-ledger keygen --name example-ledger -o k.key)
	run tim-ledger checkpoint -k k.key reg.tim
	assert_success
	root=$(py 'print(b64(mth([leaf(l) for l in lines_of("reg.tim")])))')
	assert_line --index 0 "test/origin"
	assert_line --index 1 "5"
	assert_line --index 2 "$root"
	assert_output --regexp $'\n\n— example-ledger [A-Za-z0-9+/]{91}=$'
	keyid=${k#example-ledger+}
	keyid=${keyid%%+*}
	py '
d = open("reg.tim.checkpoints", "rb").read()
text, sig = d.split(b"\n\n", 1)
assert text == b"test/origin\n5\n" + sys.argv[2].encode(), text
assert sig.startswith("\u2014 example-ledger ".encode()) and sig.endswith(b"\n\n"), sig
raw = unb64(sig.split(b" ")[2].strip().decode())
assert len(raw) == 68 and raw[:4].hex() == sys.argv[1], raw
' "$keyid" "$root"
	# a second checkpoint is appended after the first
	tim-ledger append reg.tim note text=more
	tim-ledger checkpoint -q -k k.key reg.tim
	assert_equal "$(grep -c '^— ' reg.tim.checkpoints)" 2
	run tim-ledger verify --key k.key.pub reg.tim
	assert_success
	assert_output --partial "2 checkpoints (newest size 6)"
	run tim-ledger checkpoint --json -k k.key reg.tim
	assert_success
	py '
o = json.loads(sys.argv[1])
assert o["size"] == 6 and o["origin"] == "test/origin" and o["ledger"] == "reg.tim", o
assert o["note"].startswith("test/origin\n6\n" + o["root"] + "\n\n\u2014 example-ledger "), o
' "$output"
}

@test "checkpoint: -k is required and the key file must be private" {
	mk reg.tim 1
	run --separate-stderr tim-ledger checkpoint reg.tim
	assert_failure 2
	[[ $stderr == *"checkpoint needs -k KEYFILE"* ]]
	tim-ledger keygen --name k -o k.key >/dev/null
	chmod 644 k.key
	run --separate-stderr tim-ledger checkpoint -k k.key reg.tim
	assert_failure 3
	assert_equal "$stderr" "tim-ledger: 'k.key' is accessible by group or others (mode 0644); run: chmod 600 'k.key'"
	assert_file_not_exists reg.tim.checkpoints
	chmod 600 k.key
	ln -s k.key link.key
	run --separate-stderr tim-ledger checkpoint -k link.key reg.tim
	assert_failure 3
	[[ $stderr == *"symbolic link"* ]]
	run tim-ledger checkpoint -k k.key.pub reg.tim
	assert_failure 3
	run tim-ledger checkpoint --key-file k.key reg.tim
	assert_success
	assert_file_exists reg.tim.checkpoints
	TIM_LEDGER_KEY_FILE=k.key run tim-ledger checkpoint -q reg.tim
	assert_success
	assert_equal "$(grep -c '^— ' reg.tim.checkpoints)" 2
}

@test "checkpoint refuses to sign a ledger that does not verify" {
	mk reg.tim 3
	tim-ledger keygen --name k -o k.key >/dev/null
	sed -i '2s/record 1/record X/' reg.tim
	run --separate-stderr tim-ledger checkpoint -k k.key reg.tim
	assert_failure 1
	[[ $stderr == *"reg.tim: refusing to sign a ledger that does not verify: line 2: line 2 was changed after it was written"* ]]
	assert_file_not_exists reg.tim.checkpoints
	run tim-ledger checkpoint -k k.key none.tim
	assert_failure 3
}

# Regression: an origin holding LF (or empty) in a header written elsewhere
# once verified, and checkpoint then appended a note that never parsed again.
@test "checkpoint never writes a note that verify cannot read" {
	tim-ledger keygen --name k -o k.key >/dev/null
	printf '%s\n' '{"tim":"ledger","v":1,"origin":"a\nb","created":"2025-01-01T00:00:00Z"}' > nl.tim
	printf '%s\n' '{"tim":"ledger","v":1,"origin":"","created":"2025-01-01T00:00:00Z"}' > empty.tim
	for l in nl.tim empty.tim; do
		run tim-ledger checkpoint -q -k k.key "$l"
		if [ "$status" -eq 0 ]; then
			run --separate-stderr tim-ledger verify "$l"
			assert_success
		else
			assert_file_not_exists "$l.checkpoints"
		fi
	done
}

@test "checkpoint signature: known answer from a fixed seed, checked with openssl" {
	mk reg.tim 3
	# signer key file from the RFC 8032 7.1 TEST 1 seed; public key from openssl
	seed=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
	py '
seed = bytes.fromhex(sys.argv[1])
open("sk.der", "wb").write(bytes.fromhex("302e020100300506032b657004220420") + seed)
' "$seed"
	openssl pkey -inform DER -in sk.der -pubout -outform DER | tail -c 32 > pub.raw
	py '
seed = bytes.fromhex(sys.argv[1])
pub = open("pub.raw", "rb").read()
# RFC 8032 7.1 TEST 1 gives this public key for that seed
assert pub.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub.hex()
kid = H(b"kat\n\x01" + pub)[:4]
old = __import__("os").umask(0o077)
open("kat.key", "w").write("PRIVATE+KEY+kat+%s+%s\n" % (kid.hex(), b64(b"\x01" + seed)))
open("kat.vkey", "w").write("kat+%s+%s\n" % (kid.hex(), b64(b"\x01" + pub)))
open("kid.raw", "wb").write(kid)
root = mth([leaf(l) for l in lines_of("reg.tim")])
open("text", "wb").write(b"test/origin\n4\n" + b64(root).encode() + b"\n")
' "$seed"
	chmod 600 kat.key
	openssl pkeyutl -sign -rawin -inkey sk.der -keyform DER -in text -out sig.raw
	want=$(cat text; echo; printf '— kat %s' "$(cat kid.raw sig.raw | base64 -w0)")
	run tim-ledger checkpoint -k kat.key reg.tim
	assert_success
	assert_output "$want"
	# openssl verifies tim's signature, and tim accepts the verifier line
	# computed here
	py '
d = open("reg.tim.checkpoints", "rb").read()
text, sig = d.split(b"\n\n", 1)
raw = unb64(sig.split(b" ")[2].strip().decode())
open("tim.sig", "wb").write(raw[4:])
open("tim.text", "wb").write(text + b"\n")
'
	openssl pkey -inform DER -in sk.der -pubout -out pub.pem
	openssl pkeyutl -verify -rawin -pubin -inkey pub.pem -in tim.text -sigfile tim.sig
	run tim-ledger verify --key "$(cat kat.vkey)" reg.tim
	assert_success
	assert_output --partial "signatures verified"
	run tim-ledger verify --key kat.vkey reg.tim
	assert_success
}

# --- list --------------------------------------------------------------------

@test "list prints records; --kind, --grep and --where filter" {
	tim-ledger init reg.tim
	tim-ledger append --no-sync reg.tim copy item=図面A to=USB-1
	tim-ledger append --no-sync reg.tim note text='hello world'
	tim-ledger append --no-sync reg.tim copy item=図面B to=USB-2
	run tim-ledger list reg.tim
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^     1  [0-9-]{10} [0-9:]{8}[+-][0-9:]{5}  copy      [^ ]+ +item=図面A to=USB-1$'
	assert_line --index 1 --regexp '^     2  .*  note  .*text=hello world$'
	run tim-ledger list --kind copy reg.tim
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_output --partial "図面B"
	refute_output --partial "hello"
	run tim-ledger list --grep 'hello wor' reg.tim
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --partial "text=hello world"
	run tim-ledger list --where to=USB-2 reg.tim
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --partial "item=図面B"
	run tim-ledger list --where to=USB reg.tim
	assert_success
	assert_output ""
	run tim-ledger list --kind copy --grep 図面A reg.tim
	assert_equal "${#lines[@]}" 1
	run tim-ledger list --where novalue reg.tim
	assert_failure 2
	TIM_LEDGER=reg.tim run tim-ledger list --kind note
	assert_success
	assert_output --partial "hello world"
}

@test "list --json prints the raw record lines" {
	mk reg.tim 4
	run tim-ledger list --json reg.tim
	assert_success
	assert_equal "$output" "$(sed 1d reg.tim)"
	run tim-ledger list --json --grep 'record 3' reg.tim
	assert_equal "$output" "$(sed -n 4p reg.tim)"
}

@test "list --since and --until take dates and RFC 3339 times" {
	mk_py reg.tim <<-'EOF'
	{"time":"2025-01-01T00:00:00Z","kind":"note","text":"a"}
	{"time":"2025-01-02T12:00:00Z","kind":"note","text":"b"}
	{"time":"2025-01-03T23:59:59Z","kind":"note","text":"c"}
	{"time":"2025-02-01T00:00:00Z","kind":"note","text":"d"}
	EOF
	run tim-ledger verify reg.tim
	assert_success
	sel() { tim-ledger list --json "$@" reg.tim | sed 's/.*"text":"\([a-z]\)".*/\1/' | paste -sd' '; }
	assert_equal "$(sel)" "a b c d"
	assert_equal "$(sel --since 2025-01-02)" "b c d"
	assert_equal "$(sel --until 2025-01-02)" "a b"
	assert_equal "$(sel --until 2025-01-03)" "a b c"
	assert_equal "$(sel --since 2025-01-02 --until 2025-01-03)" "b c"
	assert_equal "$(sel --since 2025-01-02T12:00:00Z)" "b c d"
	assert_equal "$(sel --since 2025-01-02T12:00:01Z)" "c d"
	assert_equal "$(sel --until 2025-01-03T23:59:58Z)" "a b"
	assert_equal "$(sel --since 2025-01-02T21:00:00+09:00)" "b c d"
	assert_equal "$(sel --since 2025-01-02T21:00:01+09:00)" "c d"
	assert_equal "$(sel --until 2025-01-31T19:00:00-05:00)" "a b c d"
	assert_equal "$(sel --until 2025-01-31T18:59:59-05:00)" "a b c"
	assert_equal "$(sel --since 2026-01-01)" ""
	for bad in yesterday 2025-13-01 2025-01-02T25:00:00Z 2025-01-02x; do
		run --separate-stderr tim-ledger list --since "$bad" reg.tim
		assert_failure 2
		[[ $stderr == *"--since '$bad' is not a date or RFC 3339 time"* ]]
	done
	run tim-ledger list --until nope reg.tim
	assert_failure 2
}

@test "list --csv starts with a BOM and neutralises formulas" {
	mk_py reg.tim <<-'EOF'
	{"time":"2025-01-01T00:00:00Z","kind":"note","text":"a","actor":"=HYPERLINK(\"http://x\")","host":"+1"}
	{"time":"2025-01-01T00:00:01Z","kind":"note","text":"b","actor":"-2","host":"@SUM(A1)"}
	{"time":"2025-01-01T00:00:02Z","kind":"note","text":"設計部 \"引用\""}
	EOF
	tim-ledger append reg.tim copy "item==cmd|'/c calc'!A1" to==1+2
	tim-ledger verify -q reg.tim
	run tim-ledger list --csv reg.tim
	assert_success
	# the bytes exactly: $output loses the last line end
	tim-ledger list --csv reg.tim > list.csv
	py '
out = open("list.csv", "rb").read()
assert out.startswith(b"\xef\xbb\xbf\"seq\",\"recorded at\",\"kind\",\"recorded by (OS user)\",\"host\",\"text\",\"item\",\"to\"\r\n"), out[:90]
assert out.endswith(b"\r\n") and out.count(b"\n") == out.count(b"\r\n"), out
rows = out[3:].decode().split("\r\n")
assert rows[1] == "\"1\",\"2025-01-01 00:00:00+00:00\",\"note\",\"'\''=HYPERLINK(\"\"http://x\"\")\",\"'\''+1\",\"a\",\"\",\"\"", rows[1]
assert rows[2] == "\"2\",\"2025-01-01 00:00:01+00:00\",\"note\",\"'\''-2\",\"'\''@SUM(A1)\",\"b\",\"\",\"\"", rows[2]
assert rows[3].endswith(",\"設計部 \"\"引用\"\"\",\"\",\"\""), rows[3]
assert rows[4].endswith(",\"\",\"'\''=cmd|'\''/c calc'\''!A1\",\"'\''=1+2\""), rows[4]
import csv, io
for row in csv.reader(io.StringIO(out[3:].decode(), newline="")):
    for cell in row:
        assert cell[:1] not in ("=", "+", "-", "@"), row
'
}

# Regression: list once printed values raw, so a value holding LF forged
# extra rows and ESC sequences reached the terminal.
@test "list: control characters in a value cannot forge rows or reach the terminal" {
	tim-ledger init reg.tim
	tim-ledger append reg.tim note text=$'a\n     9  2026-01-01T00:00:00Z  note      mallory     text=forged\e[2J'
	run tim-ledger list reg.tim
	assert_success
	assert_equal "${#lines[@]}" 1
	[[ $output != *$'\e'* ]] || fail "raw ESC in the listing"
	# the record itself keeps the exact value
	tim-ledger list --json reg.tim | py '
assert json.loads(sys.stdin.read())["text"].startswith("a\n     9")'
}

@test "list: a missing ledger exits 3; a torn tail is skipped with a warning" {
	run tim-ledger list none.tim
	assert_failure 3
	mk reg.tim 2
	printf '{"seq":3' >> reg.tim
	run --separate-stderr tim-ledger list --json reg.tim
	assert_success
	assert_equal "${#lines[@]}" 2
	[[ $stderr == *"torn last line"* ]]
}

# --- prove ---------------------------------------------------------------------

@test "prove: text and --json proofs verify independently (RFC 9162)" {
	mk reg.tim 6
	for seq in 0 1 3 6; do
		run tim-ledger prove --json "$seq" reg.tim
		assert_success
		py '
o = json.loads(sys.argv[1]); seq = int(sys.argv[2])
ls = lines_of("reg.tim")
assert o["seq"] == seq and o["index"] == seq and o["size"] == len(ls) == 7, o
assert unb64(o["leaf"]) == leaf(ls[seq]), o
assert unb64(o["root"]) == mth([leaf(l) for l in ls]), o
path = [unb64(p) for p in o["path"]]
assert verify_inclusion(leaf(ls[seq]), seq, 7, path, unb64(o["root"])), o
# the proof is bound to its leaf and position
assert not verify_inclusion(leaf(ls[seq] + b" "), seq, 7, path, unb64(o["root"]))
assert not verify_inclusion(leaf(ls[seq]), seq ^ 1, 7, path, unb64(o["root"]))
' "$output" "$seq"
	done
	run tim-ledger prove 2 reg.tim
	assert_success
	py '
t = sys.argv[1].split("\n")
kv = [l.split(" ", 1) for l in t]
assert [k for k, _ in kv[:5]] == ["seq", "index", "size", "leaf", "root"], t
assert all(k == "path" for k, _ in kv[5:]) and len(kv) > 5, t
ls = lines_of("reg.tim")
path = [unb64(v) for _, v in kv[5:]]
assert verify_inclusion(leaf(ls[2]), 2, 7, path, mth([leaf(l) for l in ls]))
assert unb64(kv[3][1]) == leaf(ls[2]) and kv[2][1] == "7"
' "$output"
}

@test "prove: out of range is 1, a bad SEQ is 2, a broken ledger is 1" {
	mk reg.tim 3
	run --separate-stderr tim-ledger prove 4 reg.tim
	assert_failure 1
	[[ $stderr == *"no record 4 in a tree of 4 lines"* ]]
	run tim-ledger prove 18446744073709551615 reg.tim
	assert_failure 1
	for bad in x 1x '' ' 1' +1 18446744073709551616; do
		run --separate-stderr tim-ledger prove "$bad" reg.tim
		assert_failure 2
		[[ $stderr == *"is not a record number"* ]]
	done
	run tim-ledger prove -- -1 reg.tim
	assert_failure 2
	run tim-ledger prove 1 none.tim
	assert_failure 3
	sed -i '2s/record 1/record X/' reg.tim
	run --separate-stderr tim-ledger prove 1 reg.tim
	assert_failure 1
	[[ $stderr == *"does not verify"* ]]
}

@test "prove --checkpoint proves against the checkpoint's tree size" {
	mk reg.tim 4
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	tim-ledger append reg.tim note text=later
	run tim-ledger prove --json --checkpoint reg.tim.checkpoints 2 reg.tim
	assert_success
	py '
o = json.loads(sys.argv[1])
cp = open("reg.tim.checkpoints").read().split("\n")
assert o["size"] == 5 == int(cp[1]) and o["root"] == cp[2], (o, cp)
ls = lines_of("reg.tim")[:5]
assert verify_inclusion(leaf(ls[2]), 2, 5, [unb64(p) for p in o["path"]], unb64(cp[2]))
' "$output"
	run --separate-stderr tim-ledger prove --checkpoint reg.tim.checkpoints 5 reg.tim
	assert_failure 1
	[[ $stderr == *"no record 5 in a tree of 5 lines"* ]]
	run tim-ledger prove 5 reg.tim
	assert_success
	run tim-ledger prove --checkpoint none.cp 1 reg.tim
	assert_failure 3
}

# --- consistency -------------------------------------------------------------

@test "consistency: a ledger that only grew is consistent; the proof verifies" {
	mk reg.tim 4
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	cp reg.tim.checkpoints old.cp
	for i in 1 2 3 4 5 6; do tim-ledger append --no-sync reg.tim note text=n$i; done
	run --separate-stderr tim-ledger consistency --key k.key.pub old.cp reg.tim
	assert_success
	assert_line --index 0 "old-size 5"
	assert_line --index 1 "new-size 11"
	run tim-ledger consistency --json --key k.key.pub old.cp reg.tim
	assert_success
	py '
o = json.loads(sys.argv[1])
ls = lines_of("reg.tim")
old, new = mth([leaf(l) for l in ls[:5]]), mth([leaf(l) for l in ls])
assert o["consistent"] is True and o["signature_checked"] is True, o
assert (o["old_size"], o["new_size"]) == (5, 11), o
assert unb64(o["old_root"]) == old and unb64(o["new_root"]) == new, o
path = [unb64(p) for p in o["path"]]
assert verify_consistency(5, 11, old, new, path), o
assert not verify_consistency(5, 11, new, old, path)
' "$output"
	# the same size is consistent with itself
	tim-ledger checkpoint -q -k k.key reg.tim
	run tim-ledger consistency reg.tim.checkpoints reg.tim
	assert_success
	assert_line --index 0 "old-size 11"
	run tim-ledger consistency -q old.cp reg.tim
	assert_success
	assert_output ""
}

@test "consistency fails after a rewrite, when shorter, and with the wrong key" {
	mk reg.tim 5
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger keygen --name other -o other.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	mv reg.tim.checkpoints old.cp
	tim-ledger append reg.tim note text=later
	cp reg.tim good.tim
	run --separate-stderr tim-ledger consistency --key other.key.pub old.cp reg.tim
	assert_failure 1
	[[ $stderr == *"no signature by key 'other'"* ]]
	# rewritten and relinked: the chain holds, the old root does not
	py '
ls = lines_of("reg.tim")
ls[2] = ls[2].replace(b"record 2", b"record 7")
write_lines("reg.tim", rechain(ls, 3))
'
	tim-ledger verify -q reg.tim
	run --separate-stderr tim-ledger consistency --key k.key.pub old.cp reg.tim
	assert_failure 1
	[[ $stderr == *"the first 6 lines no longer hash to the checkpoint's root: the ledger was rewritten"* ]]
	# shorter than the old checkpoint
	head -n 4 good.tim > short.tim
	run --separate-stderr tim-ledger consistency old.cp short.tim
	assert_failure 1
	[[ $stderr == *"the ledger (4 lines) is shorter than the checkpoint (6)"* ]]
	# a checkpoint of another ledger
	mk_py py.tim <<-'EOF'
	{"time":"2025-01-01T00:00:00Z","kind":"note","text":"a"}
	EOF
	run --separate-stderr tim-ledger consistency old.cp py.tim
	assert_failure 1
	[[ $stderr == *"origin"* ]]
	run tim-ledger consistency none.cp good.tim
	assert_failure 3
	run tim-ledger consistency old.cp good.tim
	assert_success
}

# --- repair ------------------------------------------------------------------

@test "repair sets a torn tail aside and records it" {
	mk reg.tim 3
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	cp reg.tim complete
	printf '{"seq":4,"time":"2026' >> reg.tim
	run tim-ledger verify -q reg.tim
	assert_failure 1
	run tim-ledger repair reg.tim
	assert_success
	assert_output "reg.tim: moved a torn line of 21 bytes to reg.tim.torn; recorded as seq 4"
	assert_equal "$(cat reg.tim.torn)" '{"seq":4,"time":"2026'
	assert_equal "$(stat -c %a reg.tim.torn)" 600
	# nothing before the torn bytes changed
	cmp -n "$(stat -c %s complete)" complete reg.tim
	assert_equal "$(wc -l < reg.tim)" 5
	py '
ls = lines_of("reg.tim")
r = json.loads(ls[4])
assert r["kind"] == "repair" and r["seq"] == 4, r
assert r["torn_bytes"] == 21, r
assert r["torn_sha256"] == hashlib.sha256(b"{\"seq\":4,\"time\":\"2026").hexdigest(), r
assert r["saved_to"] == "reg.tim.torn", r
'
	run tim-ledger verify --key k.key.pub reg.tim
	assert_success
	assert_output --partial "4 records"
	tim-ledger append reg.tim note text=after
	tim-ledger verify -q reg.tim
}

@test "repair: nothing to repair leaves the ledger alone" {
	mk reg.tim 2
	cp reg.tim before
	run tim-ledger repair reg.tim
	assert_success
	assert_output "reg.tim: nothing to repair"
	cmp reg.tim before
	assert_file_not_exists reg.tim.torn
	run tim-ledger repair --json reg.tim
	assert_success
	assert_output '{"ledger":"reg.tim","moved_bytes":0}'
	run tim-ledger repair none.tim
	assert_failure 3
}

@test "repair never changes a complete line, even a bad one" {
	mk reg.tim 3
	sed -i '2s/record 1/record X/' reg.tim
	cp reg.tim before
	run tim-ledger repair reg.tim
	assert_success
	cmp reg.tim before
	# a torn tail after a bad line: only the torn bytes move
	printf 'torn' >> reg.tim
	run tim-ledger repair --json --no-sync reg.tim
	assert_success
	assert_output '{"ledger":"reg.tim","moved_bytes":4,"seq":4,"saved":true}'
	cmp -n "$(stat -c %s before)" before reg.tim
	# LEDGER.torn as a symlink is not followed, and nothing is cut
	mk s.tim 1
	printf 'torn' >> s.tim
	cp s.tim s.before
	ln -s elsewhere s.tim.torn
	run tim-ledger repair s.tim
	assert_failure 3
	cmp s.tim s.before
	assert_file_not_exists elsewhere
	# a file with no complete line is not repaired
	printf 'no newline' > t.tim
	run tim-ledger repair t.tim
	assert_failure 3
	assert_equal "$(cat t.tim)" "no newline"
	assert_file_not_exists t.tim.torn
}

# --- kinds -------------------------------------------------------------------

@test "kinds lists every kind with its required fields" {
	run tim-ledger kinds
	assert_success
	assert_equal "${#lines[@]}" 16
	assert_line --index 0 --regexp '^mark +item= level=	.+ \(I 第二 1, I 第一 3\)$'
	run tim-ledger kinds --json
	assert_success
	py '
ks = [json.loads(l) for l in sys.argv[1].split("\n")]
names = [k["kind"] for k in ks]
assert names == ["mark", "copy", "takeout", "return", "disclose", "send", "receive", "dispose",
                 "erase", "grant", "revoke", "lend", "inspect", "approve", "note", "repair"], names
d = {k["kind"]: k for k in ks}
assert d["copy"]["required"] == ["item", "to"] and d["note"]["required"] == ["text"]
assert d["repair"]["required"] == ["torn_bytes", "torn_sha256"]
assert all(set(k) == {"kind", "required", "required_by_config", "what", "clause", "approval"} and k["what"] and k["clause"] for k in ks)
assert all(k["approval"] == "no" and k["required_by_config"] == [] for k in ks)
' "$output"
}

@test "kinds shows what tim.conf adds to a kind, with the clause; a bad [kind] section is named" {
	printf '[kind takeout]\nrequire = by, purpose until\nrequire-approval = yes\nunapproved = refuse\n' > "$TIM_CONFIG"
	run -0 tim-ledger kinds
	assert_line --index 2 "takeout   item= to= by= purpose= until=	taken out (I 第四 1 (1), V 第三 2); tim.conf requires 3 more; refused without an approval (ref=)"
	run -0 tim-ledger kinds --json
	py '
d = {k["kind"]: k for k in map(json.loads, sys.argv[1].split("\n"))}
assert d["takeout"]["required_by_config"] == ["by", "purpose", "until"], d["takeout"]
assert d["takeout"]["approval"] == "refuse" and d["copy"]["approval"] == "no"
' "$output"
	printf '[kind takout]\nrequire = by\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger kinds
	assert_failure 3
	assert_equal "$stderr" "tim-ledger: tim.conf: [kind takout]: unknown record kind 'takout' (see 'tim-ledger kinds')"
	printf '[kind takeout]\nrequire-approval = maybe\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b
	assert_failure 3
	assert_equal "$stderr" "tim-ledger: tim.conf: [kind takeout] require-approval = 'maybe': use yes or no"
	printf '[kind takeout]\nrequire = By\n' > "$TIM_CONFIG"
	run -3 tim-ledger kinds
}

# --- config ------------------------------------------------------------------

@test "config: [ledger] path is the default ledger; TIM_LEDGER beats it" {
	tim-ledger init conf.tim
	tim-ledger init env.tim
	printf '[ledger]\npath = %s/conf.tim\n' "$PWD" > "$TIM_CONFIG"
	run tim-ledger append note text=via-config
	assert_success
	grep -q via-config conf.tim
	run tim-ledger verify
	assert_success
	assert_output --partial "conf.tim: ok: 1 records"
	run tim-ledger list --json
	assert_output --partial via-config
	TIM_LEDGER=env.tim run tim-ledger append note text=via-env
	assert_success
	grep -q via-env env.tim
	run grep -c via-env conf.tim
	assert_output 0
}

@test "config: verify-key, key-file and key-name from the config or TIM_LEDGER_*" {
	mk reg.tim 1
	printf '[ledger]\nkey-name = from-config\nkey-file = k.key\nverify-key = k.key.pub\n' > "$TIM_CONFIG"
	run tim-ledger keygen -o k.key
	assert_success
	assert_output --regexp '^from-config\+'
	run tim-ledger checkpoint -q reg.tim
	assert_success
	run tim-ledger verify reg.tim
	assert_success
	assert_output --partial "signatures verified"
	tim-ledger keygen --name other -o other.key >/dev/null
	TIM_LEDGER_VERIFY_KEY=other.key.pub run tim-ledger verify reg.tim
	assert_failure 1
	run tim-ledger verify --key other.key.pub reg.tim
	assert_failure 1
}

@test "config: a file writable by others is refused with 3; a syntax error names the line" {
	tim-ledger init reg.tim
	printf '[ledger]\npath = reg.tim\n' > "$TIM_CONFIG"
	chmod 666 "$TIM_CONFIG"
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 3
	[[ $stderr == *"config '$TIM_CONFIG' is writable by others; refusing it"* ]]
	chmod 644 "$TIM_CONFIG"
	printf '[ledger]\npath = reg.tim\nthis is not ini\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger verify reg.tim
	assert_failure 3
	[[ $stderr == *"line 3: syntax error"* ]]
}

# --- Merkle root, independently ----------------------------------------------

@test "the Merkle root matches an independent RFC 6962 computation" {
	mk reg.tim 16
	sizes="1 2 3 4 5 7 8 9 16 17"
	for n in $sizes; do
		head -n "$n" reg.tim > "t$n.tim"
		tim-ledger verify --json "t$n.tim"
	done > got.jsonl
	py '
ls = lines_of("reg.tim")
got = [json.loads(l) for l in open("got.jsonl")]
for n, o in zip(map(int, sys.argv[1].split()), got):
    assert o["lines"] == n, o
    want = b64(mth([leaf(l) for l in ls[:n]]))
    assert o["root"] == want, "size %d: tim says %s, Python says %s" % (n, o["root"], want)
assert len(got) == 10
' "$sizes"
	# and the RFC 6962 tree is not some other tree: the 3-leaf root by hand
	py '
ls = lines_of("t3.tim")
a, b, c = (leaf(l) for l in ls)
assert mth([a, b, c]) == node(node(a, b), c)
assert unb64(sys.argv[1]) == node(node(a, b), c)
' "$(tim-ledger verify --json t3.tim | py 'print(json.load(sys.stdin)["root"])')"
}

# --- concurrency -------------------------------------------------------------

# Each writer interleaves 50 one-record appends with 50 batches of 9 records:
# 500 records in 100 processes, so four writers contend for the lock 400
# times without 2000 sanitizer start-ups. tests/unit/test-ledger.c runs the
# pure case (4 x 500 one-record appends) through the library.
@test "4 concurrent appenders x 500 records lose nothing and keep the chain" {
	tim-ledger init reg.tim
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	for w in 1 2 3 4; do
		(
			for ((n = 1; n <= 500; n += 10)); do
				tim-ledger append --no-sync reg.tim note text="w$w-$n" ||
					echo "w$w-$n" >> failed
				for ((j = n + 1; j < n + 10; j++)); do
					printf '{"kind":"note","text":"w%d-%d"}\n' "$w" "$j"
				done | tim-ledger append --no-sync --json reg.tim || echo "w$w-$n+" >> failed
			done
		) &
	done
	wait
	assert_file_not_exists failed
	assert_equal "$(wc -l < reg.tim)" 2001
	run tim-ledger verify reg.tim
	assert_success
	assert_output --partial "ok: 2000 records"
	py '
ls = lines_of("reg.tim")
recs = [json.loads(l) for l in ls[1:]]
assert [r["seq"] for r in recs] == list(range(1, 2001))
assert all(r["prev"] == hashlib.sha256(ls[i]).hexdigest() for i, r in enumerate(recs))
texts = [r["text"] for r in recs]
for w in range(1, 5):
    mine = [int(t.split("-")[1]) for t in texts if t.startswith("w%d-" % w)]
    assert mine == list(range(1, 501)), w
    # each batch of 9 is contiguous: one lock, one write
    for b in range(50):
        first = b * 10 + 2
        i = texts.index("w%d-%d" % (w, first))
        assert texts[i:i + 9] == ["w%d-%d" % (w, first + k) for k in range(9)], (w, b)
'
}

@test "concurrent synced appenders and a batch writer keep the chain" {
	tim-ledger init reg.tim
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	for w in 1 2 3; do
		(
			for ((i = 1; i <= 25; i++)); do
				tim-ledger append reg.tim note text="w$w-$i" || echo "w$w-$i" >> failed
			done
		) &
	done
	(
		for ((b = 1; b <= 5; b++)); do
			for ((i = 1; i <= 20; i++)); do
				printf '{"kind":"note","text":"b%d-%d"}\n' "$b" "$i"
			done | tim-ledger append --json reg.tim || echo "batch $b" >> failed
		done
	) &
	wait
	assert_file_not_exists failed
	assert_equal "$(wc -l < reg.tim)" 176
	tim-ledger verify -q reg.tim
	py '
recs = [json.loads(l) for l in lines_of("reg.tim")[1:]]
assert [r["seq"] for r in recs] == list(range(1, 176))
texts = [r["text"] for r in recs]
# each batch of 20 is contiguous: one lock, one write
for b in range(1, 6):
    i = texts.index("b%d-1" % b)
    assert texts[i:i + 20] == ["b%d-%d" % (b, j) for j in range(1, 21)], b
'
}

# --- verify over a signed checkpoint --------------------------------------------

@test "verify --key trusts lines under a good signed checkpoint by their root, --full parses them" {
	mk reg.tim 5
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	tim-ledger append reg.tim note text=after
	run -0 tim-ledger verify --json --key k.key.pub reg.tim
	py 'o = json.loads(sys.argv[1]); assert o["trusted_by_signed_root"] == 6 and o["lines"] == 7, o' "$output"
	run -0 tim-ledger verify --json --full --key k.key.pub reg.tim
	py 'o = json.loads(sys.argv[1]); assert o["trusted_by_signed_root"] == 0, o' "$output"
	run -0 tim-ledger verify --json reg.tim
	py 'o = json.loads(sys.argv[1]); assert o["trusted_by_signed_root"] == 0, o' "$output"
	run --separate-stderr tim-ledger verify -v --key k.key.pub reg.tim
	assert_success
	[[ $stderr == *"lines 1 to 6 checked by the signed root"* ]]
}

@test "verify --key: a changed line under a signed checkpoint is still found and named" {
	mk reg.tim 5
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	sed -i '3s/"text":"/"text":"X/' reg.tim
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 3 (seq 2,"*"line 3 was changed after it was written"* ]]
}

@test "verify --key: the first line after the checkpoint is still chained to it" {
	mk reg.tim 3
	tim-ledger keygen --name k -o k.key >/dev/null
	tim-ledger checkpoint -q -k k.key reg.tim
	tim-ledger append reg.tim note text=one
	tim-ledger append reg.tim note text=two
	# replace the record right after the checkpoint with one chained to nothing
	sed -i '5s/"prev":"[0-9a-f]*"/"prev":"0000000000000000000000000000000000000000000000000000000000000000"/' reg.tim
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"FAILED at line 5 (seq 4,"*"line 5 was changed after it was written: its prev no longer matches line 4, and line 6 no longer matches it"* ]]
}

# --- syslog ------------------------------------------------------------------------

need_syslog_capture() {
	need_root
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
}

@test "--syslog: appends and failed verifies go to syslog (authpriv)" {
	need_syslog_capture
	mk reg.tim 2
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" got 1 \
		tim-ledger append --syslog reg.tim note text=logged
	assert_success
	run cat got
	assert_output --regexp '^<86>.*tim-ledger\[[0-9]+\]: append ledger=reg.tim seq=3-3 kind=note$'
	sed -i '2s/"text":"/"text":"X/' reg.tim
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" got2 1 \
		tim-ledger verify --syslog reg.tim
	assert_failure 1
	run cat got2
	# authpriv.alert = 10*8+1
	assert_output --regexp '^<81>.*verify FAILED ledger=reg.tim line=2 offset=[0-9]+: line 2 was changed'
}

@test "[ledger] syslog = yes in the config turns it on; without it nothing is logged" {
	need_syslog_capture
	mk reg.tim 1
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" none 1 \
		tim-ledger append reg.tim note text=quiet
	assert_success
	[ ! -s none ]
	printf '[ledger]\nsyslog = yes\n' > "$TIM_CONFIG"
	run unshare -m sh "$TIM_SRC/tests/lib/syslog-capture.sh" got 1 \
		tim-ledger append reg.tim note text=loud
	assert_success
	run cat got
	assert_output --partial "append ledger=reg.tim seq=3-3 kind=note"
}

@test "--syslog does not apply to list" {
	mk reg.tim 1
	run tim-ledger list --syslog reg.tim
	assert_failure 2
}

@test "verify --key with no checkpoint at all fails: nothing signed was checked" {
	mk reg.tim 2
	tim-ledger keygen --name k -o k.key >/dev/null
	run --separate-stderr tim-ledger verify --key k.key.pub reg.tim
	assert_failure 1
	[[ $stderr == *"no checkpoint to check the key against ('reg.tim.checkpoints' is missing or empty)"* ]]
	run tim-ledger verify reg.tim
	assert_success
	# checkpoint itself signs the first one
	run tim-ledger checkpoint -q -k k.key reg.tim
	assert_success
	run tim-ledger verify --key k.key.pub reg.tim
	assert_success
}

@test "list shows number and boolean values, not empty ones" {
	tim-ledger init reg.tim
	printf '%s\n' '{"kind":"erase","item":"USB-1","method":"clear","passes":1,"bytes":4096,"verified":true}' |
		tim-ledger append --json reg.tim
	run tim-ledger list reg.tim
	assert_success
	assert_output --partial "passes=1 bytes=4096 verified=true"
}
