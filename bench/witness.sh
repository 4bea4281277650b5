#!/bin/sh
# One tim-ledger witness on loopback: add-checkpoint requests per second
# (goal >= 500/s). CLIENTS logs (default 4) each grow by one record a
# request, on their own keep-alive connection, each request with its
# consistency proof, and each answer only after the witness's state is
# synced (fdatasync). The peer, on the same client and the same bodies: a
# bare Python HTTP server that answers 200 without checking or writing
# anything, the ceiling the client itself allows. REQUESTS=N per client.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
T="$here/$B/bin/tim-ledger"
W="$here/tests/fixtures/witness.py"
N=${REQUESTS:-1000}
K=${CLIENTS:-4}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/tim-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
export TIM_CONFIG=/dev/null
cd "$work"

"$T" keygen -q --name bench-log -o log.key >/dev/null
"$T" witness keygen -q --name bench-witness -o w.key >/dev/null
set --
for c in $(seq 1 "$K"); do
	mkdir "b$c"
	python3 "$W" log log.key "bench.example/log$c" "$N" "b$c" &
	set -- "$@" --log "bench.example/log$c $(cat log.key.pub)"
done
wait

timeout 600 "$T" witness serve -k w.key --state state --listen 127.0.0.1:0 "$@" > w.out 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q ' port ' w.out 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' w.out)

now() { python3 -c 'import time; print(time.time())'; }
run_clients() {	# URL LOG: every client at once, the wall time between
	s=$(now)
	for c in $(seq 1 "$K"); do
		python3 "$W" flood "$1" "b$c" 1 "$N" "$2" &
	done
	wait
	e=$(now)
	echo "$s $e"
}
set -- $(run_clients "http://127.0.0.1:$port" done.log)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
[ "$(wc -l < done.log)" -eq $((N * K)) ] || { echo "witness: not every request was cosigned" >&2; exit 1; }

python3 - > peer.out <<'PY' &
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        b = b"\xe2\x80\x94 peer AAAA\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
pid=$!
for _ in $(seq 1 100); do [ -s peer.out ] && break; sleep 0.05; done
ts=$1 te=$2
set -- $(run_clients "http://127.0.0.1:$(cat peer.out)" peer.log)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

python3 - "$((N * K))" "$K" "$ts" "$te" "$1" "$2" <<'PY'
import sys
n, k, s, e, ps, pe = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
tim, peer = n / (e - s), n / (pe - ps)
print("witness add-checkpoint: %d requests from %d logs, %.0f/s (goal >= 500: %s)"
      % (n, k, tim, "met" if tim >= 500 else "NOT met"))
print("bare Python server, same clients and bodies: %.0f/s; tim/peer %.2f" % (peer, tim / peer))
PY
