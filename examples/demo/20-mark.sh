# Sourced by examples/quickstart.sh (step and run come from there).
step "tim-mark: marking controlled information (告示 I 第二 1)"
mkdir -p 設計/受領資料
printf '試作仕様\n寸法 12.5mm\n' > 設計/仕様.md
printf 'part,qty\nA-1,4\n' > 設計/部品表.csv
printf '#!/bin/sh\necho build\n' > 設計/build.sh
printf 'from partner\n' > 設計/受領資料/図面.txt
tim-ledger init --origin example.co.jp/registers/設計部 reg.tim >/dev/null
run tim-mark -l 秘 --owner 設計部 --id TIM-2026-000123 --ledger reg.tim 設計/仕様.md
run tim-mark --owner 設計部 --ledger reg.tim 設計/部品表.csv 設計/build.sh
run head -n 2 設計/【秘】仕様.md
run tim-mark --carriers folder -l 秘 --entrusted 取引先A 設計/受領資料
run tim-mark --show 設計/受領資料/図面.txt

step "the inventory (目録) of everything marked below a folder"
run tim-mark --list 設計
run tim-mark --list --json 設計

step "an unmarked file makes --show fail; removing gives the original back"
printf 'memo\n' > 設計/memo.txt
printf '$ tim-mark --show 設計/memo.txt\n'
tim-mark --show 設計/memo.txt || echo "(exit status $?)"
run tim-mark --remove --ledger reg.tim 設計/【社外秘】build.sh
run cat 設計/build.sh
run tim-ledger list reg.tim
