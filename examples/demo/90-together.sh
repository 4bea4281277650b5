# Sourced by examples/quickstart.sh (step and run come from there).
# All five tools on one story: a design department's drawing goes to a
# partner, and the USB stick it travelled on is erased; one ledger records it
# all, and the nightly check proves the ledger was not touched.
step "all five together: check, mark, seal, wipe, and one ledger that proves it"
mkdir -p 設計部/confidential 設計部/outbox
cd 設計部
printf '[zone "confidential"]\npath = confidential/**\ncontrolled = yes\nmin-level = 社外秘\n\n[zone "outbox"]\npath = outbox/\noutbound = yes\ncontrolled = yes\n' > .timcheck
printf '試作機 X-1 の組立図\n' > confidential/組立図.md
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -utf8 -keyout ../partner.key -out ../partner.pem -subj "/CN=取引先A/emailAddress=a@partner.example" 2>/dev/null
run tim-ledger init --origin example.co.jp/設計部 ../設計部.tim
run tim-ledger keygen -q --name 設計部 -o ../ledger.key
printf '$ tim-check   # the drawing is not marked yet\n'
tim-check || echo "(exit status $?)"
printf '$ tim-check --unmarked -0 confidential/ | xargs -0 tim-mark -l 社外秘 --owner 設計部 --ledger ../設計部.tim\n'
tim-check --unmarked -0 confidential/ | xargs -0 tim-mark -l 社外秘 --owner 設計部 --ledger ../設計部.tim
run tim-seal -q -r ../partner.pem -o outbox/【社外秘】組立図.md.p7m --ledger ../設計部.tim confidential/【社外秘】組立図.md
run tim-check
printf '$ # the copy on the USB stick (a file here) is erased, with a certificate\n'
cp confidential/【社外秘】組立図.md ../usb-copy.md
run tim-wipe -q --cert ../usb-copy.cert.json --ledger ../設計部.tim ../usb-copy.md
run tim-ledger checkpoint -q -k ../ledger.key ../設計部.tim
run tim-ledger list ../設計部.tim
run tim-ledger verify --key ../ledger.key.pub ../設計部.tim
cd ..
