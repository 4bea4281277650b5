#!/bin/sh
# Runs a command in a private mount namespace whose /dev/log is a socket
# this script listens on, and writes the datagrams it receives to OUT.
# usage (as root, inside `unshare -m`): syslog-capture.sh OUT COUNT CMD...
# Stops after COUNT datagrams or 5 seconds of silence.
set -e
out=$1 count=$2
shift 2
mount -t tmpfs tim-test-dev /dev
mknod -m 666 /dev/null c 1 3
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(5)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "wb") as f:
    for _ in range(int(sys.argv[2])):
        try:
            f.write(s.recv(65536) + b"\n")
        except socket.timeout:
            break
' "$out" "$count" &
listener=$!
while [ ! -e "$out.ready" ]; do sleep 0.02; done
status=0
"$@" || status=$?
wait $listener
exit $status
