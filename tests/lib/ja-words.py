#!/usr/bin/env python3
# tests/i18n.bats: a Japanese message must not keep English words in its sentences.
# Prints the Japanese msgstrs (from msgcat --no-wrap output on stdin) that hold
# an English word outside the allowed names, values, formats and units.
import re, sys
ALLOWED = set("""
tim tim-check tim-ledger tim-mark tim-seal tim-wipe
nft iptables ufw timedatectl timesyncd chrony ntpd auditd systemd-journald journald syslog rsyslogd
vsftpd smb rsync ftp telnet rexec rlogin rsh tftp dnf-automatic apt unattended-upgrades
dm-crypt usb-storage modprobe logind hdparm swapoff xargs chmod blacklist install
OpenSSL OpenDocument Office Excel Strict Open Gutmann Ed25519 FlateDecode startxref
keyEncipherment keyAgreement Identify Format Sanitize NTPSynchronized
seq time kind actor host prev origin path until default label seal ledger selfcheck
min-level scan-limit inside-domains data-paths msip-guid verify repair keygen checkpoint append
yes no text json sarif junit html xml zip tar csv error warning note none off
auto crypto block overwrite security-erase secdiscard all sample last random custom passes
partial na ja en name xattr content folder id-data
input forward root mimetype StopIdleSessionSec NVMe GiB DoD md dm
KiB MiB iTXt folder-name text-template lang msip-tenant msip-method Standard Privileged
allow-unauthenticated openssl cms cmsutil Thunderbird gpgsm Kleopatra witness serve stamp
Conflict old
mark copy takeout return disclose send receive dispose erase grant revoke lend inspect approve
init list prove consistency kinds verify-receipt receipt chattr
item to by purpose at ref action require-approval unapproved pending refuse
quorum witness-key tsa tsa-cert key-file
""".split())
SPEC = re.compile(r"%(\d+\$)?[-+ #0']*\d*(\.\d+|\.\*)?(hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp%]")
bad = 0
entries, cur, key = [], {}, None
def unq(s):
    return s.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t")
for line in sys.stdin.read().split("\n") + [""]:
    m = re.match(r'^(msgid|msgstr(?:\[0\])?) "(.*)"$', line)
    if m:
        key = m.group(1)
        cur[key] = cur.get(key, "") + unq(m.group(2))
    elif re.match(r'^"(.*)"$', line) and key:
        cur[key] += unq(line[1:-1])
    elif line == "" and cur:
        entries.append(cur)
        cur, key = {}, None
for e in entries:
    msgid, s = e.get("msgid", ""), e.get("msgstr", e.get("msgstr[0]", ""))
    if not msgid or not s or s.startswith("使い方:") or not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s):
        continue
    t = SPEC.sub(" ", s)
    t = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\[[^\]]*\]|\{[^}]*\}", " ", t)  # quoted, [sections], {fields}
    t = re.sub(r"(?<![\w-])--?[A-Za-z0-9][-\w]*(=\S*)?", " ", t)             # options
    t = re.sub(r"\S*=\S*", " ", t)                                           # KEY=VALUE
    t = re.sub(r"[\w.*-]*[./_:][\w./*:-]*", " ", t)                          # files, paths, ids, A::B
    words = [w for w in re.findall(r"[A-Za-z0-9][\w-]*", t)
             if not re.search(r"[0-9]", w) and not re.fullmatch(r"[A-Z][A-Z-]*", w)
             and w not in ALLOWED and len(w) > 1]
    if words:
        bad += 1
        print("%s\n  => %s\n  English: %s" % (msgid, s, ", ".join(words)))
sys.exit(1 if bad else 0)
