# Sourced by examples/quickstart.sh (step and run come from there).
step "tim-check: where a document tree falls short (告示 I 第二 1, V 第三 10)"
mkdir -p repo/confidential repo/public repo/outbox
cd repo
cat > .timcheck <<'POLICY'
[zone "confidential"]
path = confidential/**
controlled = yes
min-level = 社外秘

[zone "public"]
path = public/**
forbid-marked = yes

[zone "outbox"]
path = outbox/
outbound = yes
controlled = yes
POLICY
echo "試作機の仕様" > confidential/仕様.md
echo "設計図" > confidential/図面.txt
printf '顧客リスト (社外秘)\n' > public/customers.txt
echo "見積" > outbox/見積.txt
run cat .timcheck
printf '$ tim-check\n'
tim-check || echo "(exit status $?: findings)"

step "mark what is unmarked, straight from the list"
printf '$ tim-check --unmarked -0 confidential/ | xargs -0 tim-mark -l 社外秘\n'
tim-check --unmarked -0 confidential/ | xargs -0 tim-mark -l 社外秘
printf '$ tim-check --format sarif -o ../tim.sarif; tim-check --format junit -o ../tim.xml\n'
tim-check --format sarif -o ../tim.sarif || true
tim-check --format junit -o ../tim.xml || true
run ls ..
step "accept today's findings in a baseline; only new ones fail"
printf '$ tim-check --update-baseline .timcheck-baseline.json > /dev/null\n'
tim-check --update-baseline .timcheck-baseline.json > /dev/null || true
run tim-check --baseline .timcheck-baseline.json
echo "新しい設計書" > confidential/新規.txt
printf '$ tim-check --baseline .timcheck-baseline.json\n'
tim-check --baseline .timcheck-baseline.json || echo "(exit status $?: a new finding)"
cd ..

step "tim-check selfcheck: the 19-item self-check with a radar chart"
printf '%s\n' '1 yes 経営会議 2026-04 で特定' '2 yes 保管場所一覧' '3 partial 設計部のみ' \
    '4 yes' '5 yes' '6 yes' '7 partial' '8 no' '9 yes' '10 no' '11 yes' '12 yes' \
    '13 yes' '14 partial' '15 na' '16 na' '17 yes' '18 partial' '19 no' > answers.txt
run tim-check selfcheck --answers answers.txt --repo repo --format html -o selfcheck.html --lang ja || true
tim-check selfcheck --answers answers.txt --lang ja | tail -n 12 || true
run ls -l selfcheck.html

step "tim-check host: the controls of chapter V a program can see"
tim-check host || echo "(exit status $?: some controls fail or cannot be seen here)"
