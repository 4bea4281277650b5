#!/usr/bin/env bats
# The examples people copy: the nightly ledger job and its systemd units.
load test_helper

nightly() {
	TIM_LEDGERS="$PWD/a.tim $PWD/b.tim" TIM_LEDGER_KEY_FILE=$PWD/k \
	TIM_CHECKPOINT_COPY=$PWD/copies sh "$TIM_SRC/examples/cron/tim-ledger-nightly"
}

setup_file_local() {
	tim-ledger keygen -q --name nightly -o k >/dev/null
	mkdir copies
	for l in a b; do
		tim-ledger init -q $l.tim
		tim-ledger append $l.tim note text=one
		tim-ledger append $l.tim note text=two
	done
}

@test "nightly job: good ledgers are verified, signed and their checkpoints copied" {
	run nightly
	assert_success
	assert_output ""
	run ls copies
	assert_line --regexp '^a\.tim\.[0-9T]+Z\.checkpoint$'
	assert_line --regexp '^b\.tim\.[0-9T]+Z\.checkpoint$'
	run tim-ledger verify --key k.pub a.tim
	assert_success
	assert_output --partial "1 checkpoints (newest size 3), signatures verified"
	# the next night checks the ledger grew from the copy
	tim-ledger append a.tim note text=three
	sleep 1
	run nightly
	assert_success
	assert_equal "$(ls copies | grep -c '^a\.tim')" 2
}

@test "nightly job: a tampered ledger is not signed and fails the run" {
	sed -i '2s/"text":"one"/"text":"eno"/' a.tim
	run nightly
	assert_failure 1
	assert_output --partial "'$PWD/a.tim' does not verify; not signing it"
	[ ! -e a.tim.checkpoints ]
	# the good one still got its checkpoint
	[ -s b.tim.checkpoints ]
}

@test "nightly job: a ledger rewritten since the kept copy fails" {
	run nightly
	assert_success
	# someone with the signing key rewrites history and signs it afresh:
	# only the copy kept elsewhere can tell
	rm a.tim.checkpoints
	origin=$(head -1 a.tim | python3 -c 'import json,sys; print(json.load(sys.stdin)["origin"])')
	tim-ledger init -q --origin "$origin" c.tim
	tim-ledger append c.tim note text=other
	tim-ledger append c.tim note text=history
	tim-ledger append c.tim note text=rewritten
	mv c.tim a.tim
	tim-ledger checkpoint -q -k k a.tim
	sleep 1
	run nightly
	assert_failure 1
	assert_output --partial "is not an extension of the copy"
}

@test "nightly job: missing settings are named" {
	run env -u TIM_LEDGERS sh "$TIM_SRC/examples/cron/tim-ledger-nightly"
	# ${TIM_LEDGERS:?} ends a non-interactive POSIX sh (dash) with status 2.
	assert_failure 2
	assert_output --partial "TIM_LEDGERS"
}

@test "systemd units pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	mkdir units
	sed "s|/usr/local/sbin/tim-ledger-nightly|$TIM_SRC/examples/cron/tim-ledger-nightly|" \
		"$TIM_SRC/examples/systemd/tim-ledger-nightly.service" > units/tim-ledger-nightly.service
	cp "$TIM_SRC/examples/systemd/tim-ledger-nightly.timer" units/
	run systemd-analyze verify --man=no units/tim-ledger-nightly.service units/tim-ledger-nightly.timer
	assert_success
}

@test "nightly job: a checkpoints file deleted after the first night is caught" {
	run nightly
	assert_success
	rm a.tim.checkpoints
	sleep 1
	run nightly
	assert_failure 1
	assert_output --partial "'$PWD/a.tim' does not verify"
}

# --- git pre-commit hook ---------------------------------------------------------

init_repo() {
	git init -q repo
	cd repo
	git config user.email t@example.co.jp
	git config user.name tim
	cp "$TIM_SRC/examples/git/pre-commit" .git/hooks/pre-commit
	printf '[zone "confidential"]\npath = confidential/**\ncontrolled = yes\nmin-level = 社外秘\n' > .timcheck
	mkdir confidential public
	git add .timcheck
	git commit -q -m policy
}

@test "pre-commit hook: refuses an unmarked file in a controlled zone, names it" {
	init_repo
	echo plan > confidential/plan.txt
	git add confidential/plan.txt
	run git commit -q -m plan
	assert_failure 1
	assert_output --partial "confidential/plan.txt"
	assert_output --partial "tim-mark -l 社外秘"
	run git log --oneline
	assert_equal "${#lines[@]}" 1
}

@test "pre-commit hook: a marked file, or one outside the zones, goes in" {
	init_repo
	echo x > public/notes.txt
	git add public/notes.txt
	run git commit -q -m notes
	assert_success
	echo plan > confidential/plan.txt
	tim-mark -q -l 社外秘 confidential/plan.txt
	git add confidential
	run git commit -q -m plan
	assert_success
	run git -c core.quotepath=off ls-files confidential
	assert_output "confidential/【社外秘】plan.txt"
}

@test "pre-commit hook: no .timcheck, nothing to check" {
	git init -q bare
	cd bare
	git config user.email t@example.co.jp
	git config user.name tim
	cp "$TIM_SRC/examples/git/pre-commit" .git/hooks/pre-commit
	echo x > a.txt
	git add a.txt
	run git commit -q -m a
	assert_success
}

# --- ansible -----------------------------------------------------------------------

@test "ansible playbooks pass --syntax-check" {
	command -v ansible-playbook >/dev/null || skip "ansible-core is not installed"
	for p in check-fleet.yml wipe-disks.yml; do
		run ansible-playbook --syntax-check -i "$TIM_SRC/examples/ansible/inventory.example" \
			"$TIM_SRC/examples/ansible/$p"
		assert_success
	done
}

@test "ansible check-fleet runs against localhost and gathers one report" {
	command -v ansible-playbook >/dev/null || skip "ansible-core is not installed"
	cp -r "$TIM_SRC/examples/ansible" pb
	mkdir pb/reports
	mkdir led
	for l in good bad; do
		tim-ledger init -q led/$l.tim
		tim-ledger append led/$l.tim note text=one
		tim-ledger append led/$l.tim note text=two
		tim-ledger checkpoint -q -k k led/$l.tim
	done
	sed -i '2s/"text":"one"/"text":"eno"/' led/bad.tim
	printf '%s\n' '[tim_hosts]' \
		"localhost ansible_connection=local ansible_become=false ansible_python_interpreter=/usr/bin/python3 tim_ledgers=$PWD/led/*.tim tim_verify_key=$PWD/k.pub" > inv
	HOME=$PWD ANSIBLE_LOCAL_TEMP=$PWD/.ansible-tmp run ansible-playbook -i inv pb/check-fleet.yml
	assert_success
	run python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["host"] == "localhost", rows
assert rows[0]["checks"] and all(c["status"] in ("pass", "fail", "unknown") for c in rows[0]["checks"]), rows
assert [(l["ledger"].split("/")[-1], l["ok"]) for l in rows[0]["ledgers"]] == [("bad.tim", False), ("good.tim", True)], rows
' pb/reports/fleet.json
	assert_success
}
