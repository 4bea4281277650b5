#!/bin/sh
# One tim-ledger witness on loopback: add-checkpoint requests per second for
# a log that grows by one record a request, each with its consistency proof
# and each synced to the state folder before the answer (goal >= 500/s).
# The peer on the same client and the same bodies: a bare Python HTTP
# server that answers 200 without checking or writing anything, the ceiling
# the client itself allows. REQUESTS=N to change the count.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-ledger"
W="$here/tests/fixtures/witness.py"
N=${REQUESTS:-2000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
export TIM_CONFIG=/nonexistent
cd "$work"

"$T" keygen -q --name bench-log -o log.key >/dev/null
"$T" witness keygen -q --name bench-witness -o w.key >/dev/null
mkdir bodies
python3 "$W" log log.key bench.example/log "$N" bodies

timeout 300 "$T" witness serve -k w.key --state state --listen 127.0.0.1:0 \
    --log "bench.example/log $(cat log.key.pub)" > w.out 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q ' port ' w.out && break; sleep 0.05; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' w.out)

secs() { python3 -c 'import time; print(time.time())'; }
s=$(secs)
python3 "$W" flood "http://127.0.0.1:$port" bodies 1 "$N" done.log
e=$(secs)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
[ "$(wc -l < done.log)" -eq "$N" ] || { echo "witness: not every request was cosigned" >&2; exit 1; }

python3 - "$N" > peer.out <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        b = b"\xe2\x80\x94 peer AAAA\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
for _ in range(int(sys.argv[1])):
    s.handle_request()
PY
pid=$!
for _ in $(seq 1 100); do [ -s peer.out ] && break; sleep 0.05; done
ps=$(secs)
python3 "$W" flood "http://127.0.0.1:$(cat peer.out)" bodies 1 "$N" peer.log
pe=$(secs)
wait "$pid" 2>/dev/null || true; pid=

python3 - "$N" "$s" "$e" "$ps" "$pe" <<'PY'
import sys
n, s, e, ps, pe = int(sys.argv[1]), *map(float, sys.argv[2:])
tim, peer = n / (e - s), n / (pe - ps)
print("witness add-checkpoint: %d requests, %.0f/s (goal >= 500: %s)" % (n, tim, "met" if tim >= 500 else "NOT met"))
print("bare Python server, same client and bodies: %.0f/s; tim/peer %.2f" % (peer, tim / peer))
PY
