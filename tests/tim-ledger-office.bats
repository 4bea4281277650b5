#!/usr/bin/env bats
# The registers as an office runs them (issue 14): who and when, approvals,
# returns, what is still out, Excel in and out, staff entry, receipts.

load test_helper
bats_require_minimum_version 1.5.0

# --- fields on the command line ---------------------------------------------

@test "append: a field given twice is a usage error naming it; nothing is written" {
	tim-ledger init -q reg.tim
	cp reg.tim before
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b item=c
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "tim-ledger: the field 'item' is given twice; give each field once"
	cmp reg.tim before
}

@test "list --kind: an unknown kind is a usage error listing the kinds" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=a to=b
	run --separate-stderr tim-ledger list --kind takout reg.tim
	assert_failure 2
	assert_output ""
	[[ $stderr == "tim-ledger: unknown record kind 'takout'; the kinds are: mark, copy, takeout, return, "*", repair"* ]]
	run -0 tim-ledger list --kind takeout reg.tim
	assert_equal "${#lines[@]}" 1
}

@test "at= is when it happened: local time or Excel's form, kept as UTC; a bad or future at= is refused" {
	tim-ledger init -q reg.tim
	TZ=Asia/Tokyo tim-ledger append reg.tim takeout item=a to=b at="2026/11/15 9:05"
	TZ=Asia/Tokyo tim-ledger append reg.tim takeout item=a to=b at=2026-11-16
	run -0 tim-ledger list --json reg.tim
	assert_line --index 0 --partial '"at":"2026-11-15T00:05:00Z"'
	assert_line --index 1 --partial '"at":"2026-11-15T15:00:00Z"'
	run -2 tim-ledger append reg.tim takeout item=a to=b at=yesterday
	[[ $output == *"at='yesterday' is not a date or time"* ]]
	run -2 tim-ledger append reg.tim takeout item=a to=b at=2999-01-01
	[[ $output == *"at='2999-01-01' is in the future"* ]]
	run -2 tim-ledger append reg.tim takeout item=a to=b until=soon
	[[ $output == *"until='soon' is not a date or time"* ]]
	# --since/--until select on when it happened, in local days
	TZ=Asia/Tokyo run -0 tim-ledger list --since 2026-11-16 --until 2026-11-16 reg.tim
	assert_equal "${#lines[@]}" 1
	[[ $output == "     2  "* ]]
}

@test "by= names the person responsible; actor is the real user from the process, not from USER" {
	tim-ledger init -q reg.tim
	USER=mallory LOGNAME=mallory tim-ledger append reg.tim takeout item=a to=b by=山田
	run -0 tim-ledger list --json reg.tim
	assert_output --partial "\"actor\":\"$(id -un)\""
	assert_output --partial '"by":"山田"'
	refute_output --partial mallory
}

# --- links and per-kind rules ---------------------------------------------

@test "ref=: return answers a takeout or lend, approve answers a request; bad links are refused" {
	tim-ledger init -q reg.tim
	tim-ledger append reg.tim takeout item=図面A to=取引先A
	tim-ledger append reg.tim note text=x
	run -0 tim-ledger append reg.tim approve ref=1 action=takeout item=図面A by=部長
	run -0 tim-ledger append reg.tim return ref=1 item=図面A
	cp reg.tim before
	run -2 tim-ledger append reg.tim return ref=2 item=図面A
	[[ $output == *"a return answers a takeout or lend, but ref=2 is a 'note' record"* ]]
	run -2 tim-ledger append reg.tim approve ref=1 action=copy item=図面A
	[[ $output == *"approve action=copy, but ref=1 is a 'takeout' record"* ]]
	run -2 tim-ledger append reg.tim return ref=9 item=x
	[[ $output == *"ref=9 does not name an earlier record (this one gets seq 5)"* ]]
	run -2 tim-ledger append reg.tim return ref=x1 item=x
	[[ $output == *"ref must be the seq of an earlier record, not 'x1'"* ]]
	cmp reg.tim before
	# in a batch, a ref may name an earlier record of the same batch
	printf '%s\n' '{"kind":"lend","item":"鍵1","to":"佐藤"}' '{"kind":"return","item":"鍵1","ref":"5"}' |
		tim-ledger append --json reg.tim
	run -2 tim-ledger append --json reg.tim <<<'{"kind":"return","item":"鍵1","ref":"7"}'
	[[ $output == *"ref=7 does not name an earlier record"* ]]
	tim-ledger verify -q reg.tim
}

@test "[kind takeout] require-approval: pending records and warns; refuse needs ref= to an approval" {
	tim-ledger init -q reg.tim
	printf '[kind takeout]\nrequire = by, purpose, until\nrequire-approval = yes\n' > "$TIM_CONFIG"
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b by=山田 purpose=試作
	assert_failure 2
	[[ $stderr == *"a 'takeout' record needs the field 'until' (required by [kind takeout] in tim.conf)"* ]]
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b by=山田 purpose=試作 until=2026-12-10
	assert_success
	assert_equal "$stderr" "tim-ledger: seq 1 is pending approval: record 'approve ref=1 action=takeout' when it is approved"
	printf '[kind takeout]\nrequire-approval = yes\nunapproved = refuse\n' > "$TIM_CONFIG"
	cp reg.tim before
	run --separate-stderr tim-ledger append reg.tim takeout item=a to=b
	assert_failure 1
	[[ $stderr == *"a 'takeout' record needs approval first ([kind takeout] unapproved = refuse)"* ]]
	run -1 tim-ledger append reg.tim takeout item=a to=b ref=1
	[[ $output == *"ref=1 is not an 'approve action=takeout' record"* ]]
	cmp reg.tim before
	tim-ledger append reg.tim approve item=a action=takeout by=部長
	run -0 tim-ledger append reg.tim takeout item=a to=b ref=2
}
