#!/bin/sh
# `make demo`: the tools that exist so far, run for real on a built-in
# example in a temporary directory. Every command is shown before it runs.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
export PATH="$here/$B/bin:$PATH" TIM_LOCALEDIR="$here/$B/locale"
export TIM_CONFIG=/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# One part per tool, in file-name order; each runs in its own directory.
for part in "$here"/examples/demo/*.sh; do
	mkdir -p "$work/${part##*/}.d"
	cd "$work/${part##*/}.d"
	. "$part"
done

