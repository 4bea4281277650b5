# Sourced by examples/quickstart.sh (step and run come from there).
step "tim-ledger: the registers (管理簿, 告示 I 第四 1)"
run tim-ledger init --origin example.co.jp/registers/設計部 reg.tim
run tim-ledger keygen --name example-ledger -o ledger.key
run tim-ledger append reg.tim mark item=【社外秘】図面A.pdf level=社外秘 owner=設計部
run tim-ledger append reg.tim copy item=【社外秘】図面A.pdf to=USB-0042 reason="試作委託先へ"
run tim-ledger append reg.tim takeout item=USB-0042 to=取引先A until=2026-12-01
printf '%s\n' '{"kind":"return","item":"USB-0042"}' \
    '{"kind":"erase","item":"USB-0042","method":"clear"}' > batch.jsonl
printf '$ tim-ledger append --json reg.tim < batch.jsonl\n'
tim-ledger append --json reg.tim < batch.jsonl
run tim-ledger checkpoint -k ledger.key reg.tim
run tim-ledger list reg.tim
run tim-ledger verify --key ledger.key.pub reg.tim
run tim-ledger prove 2 reg.tim

step "someone edits a record by hand..."
sed 's/USB-0042/USB-0043/' reg.tim > forged.tim
cp reg.tim.checkpoints forged.tim.checkpoints
printf '$ tim-ledger verify --key ledger.key.pub forged.tim\n'
tim-ledger verify --key ledger.key.pub forged.tim || echo "(exit status $?: cron mails the administrator)"

step "...or cuts the last records after a checkpoint"
run tim-ledger append reg.tim note text="after the checkpoint"
head -n 3 reg.tim > cut.tim
cp reg.tim.checkpoints cut.tim.checkpoints
printf '$ tim-ledger verify --key ledger.key.pub cut.tim\n'
tim-ledger verify --key ledger.key.pub cut.tim || echo "(exit status $?)"

step "a copy of an old checkpoint kept elsewhere proves the ledger only grew"
run tim-ledger consistency --key ledger.key.pub reg.tim.checkpoints reg.tim
