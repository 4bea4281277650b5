# Sourced by examples/quickstart.sh (step and run come from there).
step "tim-seal: encrypt attachments with CRYPTREC ciphers (告示 V 第三 10, V 第二 11)"
openssl req -x509 -newkey rsa:3072 -nodes -keyout partner.key -out partner.pem \
    -days 365 -utf8 -subj "/CN=取引先A/O=Example" 2>/dev/null
chmod 600 partner.key
printf '図面 A の寸法表\n' > 【社外秘】図面A.txt
[ -f reg.tim ] || tim-ledger init --origin example.co.jp/registers/demo reg.tim
run tim-seal -r partner.pem --ledger reg.tim 【社外秘】図面A.txt
run tim-seal --inspect 【社外秘】図面A.txt.p7m
run tim-ledger list --kind send reg.tim

step "the partner opens it with tim-seal, or with plain openssl"
mkdir -p partner
run tim-seal -d --key partner.key --cert partner.pem -o partner/図面A.txt 【社外秘】図面A.txt.p7m
run openssl cms -decrypt -binary -inform DER -in 【社外秘】図面A.txt.p7m \
    -recip partner.pem -inkey partner.key -out partner/図面A-openssl.txt
run cmp partner/図面A.txt partner/図面A-openssl.txt

step "one flipped byte and nothing is released"
cp 【社外秘】図面A.txt.p7m altered.p7m
printf 'X' | dd of=altered.p7m bs=1 seek=600 conv=notrunc 2>/dev/null
printf '$ tim-seal -d --key partner.key --cert partner.pem -o altered.txt altered.p7m\n'
tim-seal -d --key partner.key --cert partner.pem -o altered.txt altered.p7m ||
    echo "(exit status $?; altered.txt was not written)"
