#!/bin/sh
# bench/seal.sh: seal and open a 1 GiB file with tim-seal and its peers
# (openssl cms with CRYPTREC options, gpg, age when installed); wall time,
# throughput and peak RSS of each, and tim-seal's ratios against them.
# Goal: >= 1 GB/s both ways at <= 32 MiB RSS. SIZE_MIB changes the size;
# each command runs RUNS times (3) and its best run counts, since other
# work on the machine only ever slows a run down. "cpu" is user + system
# time: more than the wall time means reading, encryption and writing ran
# at once (tim-seal's reader and writer threads).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
export PATH="$here/$B/bin:$PATH" TIM_CONFIG=/dev/null
[ -x /usr/bin/time ] || { echo "bench/seal.sh: needs GNU time (/usr/bin/time)" >&2; exit 3; }
size=${SIZE_MIB:-1024}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/tim-bench-seal.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

openssl req -x509 -newkey rsa:3072 -nodes -keyout r.key -out r.pem -days 2 \
    -subj /CN=bench 2>/dev/null
chmod 600 r.key
# Incompressible data, fast: AES-CTR keystream.
openssl enc -aes-128-ctr -pass pass:bench -nosalt -pbkdf2 </dev/zero 2>/dev/null |
    head -c "$((size * 1048576))" > in.bin

results=""
# measure NAME DIRECTION CMD...: runs CMD RUNS times, records the best
# wall seconds, and that run's peak RSS (KiB) and cpu seconds. The output
# of a run is removed before the next (tim-seal never overwrites a file);
# the last seal run's envelope is what the open runs read.
measure() {
	name=$1
	dir=$2
	shift 2
	secs=- kb=- cpu=-
	i=0
	while [ "$i" -lt "$runs" ]; do
		i=$((i + 1))
		if [ "$dir" = open ]; then
			rm -f t.dec o.dec g.dec a.dec
		else
			rm -f t.p7m o.p7m g.gpg a.age d.bin
		fi
		sync
		if /usr/bin/time -f '%e %M %U %S' -o t.out "$@" >/dev/null 2>err.out; then
			read -r s k u y < t.out
			if [ "$secs" = - ] || [ "$(echo "$s < $secs" | bc)" = 1 ]; then
				secs=$s kb=$k cpu=$(echo "$u + $y" | bc)
			fi
		else
			echo "  $name $dir failed: $(tail -n 1 err.out)" >&2
			secs=- kb=- cpu=-
			break
		fi
	done
	results="$results$name $dir $secs $kb
"
	if [ "$secs" = - ]; then
		printf '%-8s %-5s %8s\n' "$name" "$dir" failed
	else
		printf '%-8s %-5s %7.2f s %8.0f MB/s %8.1f MiB RSS  cpu %5.2f s\n' "$name" "$dir" "$secs" \
		    "$(echo "$size * 1.048576 / ($secs + 0.0001)" | bc -l)" \
		    "$(echo "$kb / 1024" | bc -l)" "$cpu"
	fi
}

echo "sealing and opening ${size} MiB (seal writes the envelope, open writes the file)"
# The ceiling: tim-seal syncs its output before the rename (so that a crash
# never leaves a half-written file under the final name); copying the same
# bytes with dd and fsync shows what this disk allows at all.
measure dd+fsync copy dd if=in.bin of=d.bin bs=1M conv=fsync status=none
rm -f d.bin
measure tim-seal seal tim-seal -q -r r.pem -o t.p7m in.bin
measure tim-seal open tim-seal -q -d --key r.key --cert r.pem -o t.dec t.p7m
cmp -s in.bin t.dec || echo "  tim-seal: round trip differs" >&2
rm -f t.p7m t.dec

measure openssl seal openssl cms -encrypt -binary -stream -aes-256-gcm -in in.bin \
    -outform DER -out o.p7m -recip r.pem -keyopt rsa_padding_mode:oaep \
    -keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256
measure openssl open openssl cms -decrypt -binary -inform DER -in o.p7m \
    -recip r.pem -inkey r.key -out o.dec
rm -f o.p7m o.dec

if command -v gpg >/dev/null 2>&1; then
	export GNUPGHOME="$work/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key bench@example.invalid \
	    rsa3072 encr never 2>/dev/null
	measure gpg seal gpg --batch --yes --quiet --trust-model always \
	    --compress-algo none -r bench@example.invalid -o g.gpg -e in.bin
	measure gpg open gpg --batch --yes --quiet -o g.dec -d g.gpg
	rm -f g.gpg g.dec
else
	echo "gpg      (not installed)"
fi

if command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1; then
	age-keygen -o a.key 2>/dev/null
	measure age seal age -r "$(age-keygen -y a.key)" -o a.age in.bin
	measure age open age -d -i a.key -o a.dec a.age
	rm -f a.age a.dec
else
	echo "age      (not installed)"
fi

echo
echo "ratios (peer time / tim-seal time; peer RSS / tim-seal RSS):"
echo "$results" | awk '
	NF == 4 { t[$1 " " $2] = $3; m[$1 " " $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	END {
		for (i = 1; i <= n; i++) {
			p = order[i]
			if (p == "tim-seal") continue
			if (p == "dd+fsync") {
				for (d = 1; d <= 2; d++) {
					dir = d == 1 ? "seal" : "open"
					a = t["tim-seal " dir]; b = t["dd+fsync copy"]
					if (a != "-" && b != "-" && a != "" && b != "")
						printf "%-8s %-5s time x%.2f  (1.00 = as fast as the disk with fsync)\n", p, dir, b / (a > 0 ? a : 0.01)
				}
				continue
			}
			for (d = 1; d <= 2; d++) {
				dir = d == 1 ? "seal" : "open"
				a = t["tim-seal " dir]; b = t[p " " dir]
				if (a == "-" || b == "-" || a == "" || b == "") continue
				printf "%-8s %-5s time x%.2f  rss x%.1f\n", p, dir, b / (a > 0 ? a : 0.01),
				    m[p " " dir] / m["tim-seal " dir]
			}
		}
	}'
